//! The one typed door to the session. Only this file knows the session's keys.

use tower_sessions::Session;

use super::error::ServerError;
use crate::domain::CurrentUser;

/// The signed-in user, `{userId, role, email}` as the platform design describes it. The
/// session's expiry (and so the Redis key's TTL) is set by the session layer.
const CURRENT_USER_KEY: &str = "current_user";

pub struct UserSession(Session);

impl UserSession {
    pub async fn from_request() -> Result<Self, ServerError> {
        leptos_axum::extract::<Session>()
            .await
            .map(Self)
            .map_err(|e| ServerError::Extract(e.to_string()))
    }

    pub fn new(session: Session) -> Self {
        Self(session)
    }

    pub async fn current_user(&self) -> Result<Option<CurrentUser>, ServerError> {
        Ok(self.0.get::<CurrentUser>(CURRENT_USER_KEY).await?)
    }

    /// Starts a signed-in session under a new id, so an id planted before sign-in (session
    /// fixation) is worthless.
    pub async fn log_in(&self, user: &CurrentUser) -> Result<(), ServerError> {
        self.0.cycle_id().await?;
        self.0.insert(CURRENT_USER_KEY, user).await?;
        Ok(())
    }

    /// Deletes the session from Redis: the old cookie signs nobody in afterwards.
    pub async fn log_out(&self) -> Result<(), ServerError> {
        Ok(self.0.flush().await?)
    }
}
