//! The one typed door to the session. Only this file knows the session's keys.

use tower_sessions::Session;

use super::{context::app_state, error::ServerError, session_registry::SessionRegistry};
use crate::domain::CurrentUser;

/// The signed-in user, `{userId, role, email}` as the platform design describes it. The
/// session's expiry (and so the Redis key's TTL) is set by the session layer.
const CURRENT_USER_KEY: &str = "current_user";

/// How long a session lives (the platform design's 7 days), counted from sign-in or the last
/// change to the session: reading a session does not extend it.
pub const SESSION_LIFETIME: time::Duration = time::Duration::days(7);

pub struct UserSession {
    session: Session,
    registry: SessionRegistry,
}

impl UserSession {
    pub async fn from_request() -> Result<Self, ServerError> {
        let session = leptos_axum::extract::<Session>()
            .await
            .map_err(|e| ServerError::Extract(e.to_string()))?;
        Ok(Self {
            session,
            registry: app_state()?.sessions,
        })
    }

    /// For plain axum handlers, which get the session from their extractor.
    pub fn new(session: Session, registry: SessionRegistry) -> Self {
        Self { session, registry }
    }

    pub async fn current_user(&self) -> Result<Option<CurrentUser>, ServerError> {
        Ok(self.session.get::<CurrentUser>(CURRENT_USER_KEY).await?)
    }

    /// Starts a signed-in session under a new id, so an id planted before sign-in (session
    /// fixation) is worthless, and files it under the user.
    pub async fn log_in(&self, user: &CurrentUser) -> Result<(), ServerError> {
        self.session.insert(CURRENT_USER_KEY, user).await?;
        self.renew(user).await
    }

    /// Gives the session a new id (the old one is deleted) and files it under the user.
    pub async fn renew(&self, user: &CurrentUser) -> Result<(), ServerError> {
        self.session.cycle_id().await?;
        // Saved now rather than at the end of the response, so the new id is known here.
        self.session.save().await?;
        if let Some(id) = self.session.id() {
            self.registry.register(user.id, &id.to_string()).await?;
        }
        Ok(())
    }

    /// Replaces what the session knows of the user (after an e-mail change).
    pub async fn update_user(&self, user: &CurrentUser) -> Result<(), ServerError> {
        self.session.insert(CURRENT_USER_KEY, user).await?;
        Ok(())
    }

    /// Ends every other session of the signed-in user; this one stays.
    pub async fn end_other_sessions(&self, user: &CurrentUser) -> Result<usize, ServerError> {
        let keep = self.session.id().map(|id| id.to_string());
        Ok(self.registry.end_all(user.id, keep.as_deref()).await?)
    }

    /// Deletes the session from Redis: the old cookie signs nobody in afterwards.
    pub async fn log_out(&self) -> Result<(), ServerError> {
        Ok(self.session.flush().await?)
    }
}
