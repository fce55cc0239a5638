//! Who may do what: sign-in with credentials, and the checks every server function makes
//! before it does anything.

use secrecy::SecretString;

use super::{
    client::Client,
    context::{app_state, user_session},
    error::ServerError,
    lockout,
    state::AppState,
    users,
};
use crate::{
    domain::{CurrentUser, Email, UserStatus},
    error::AppError,
};

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown e-mail, wrong password or an account that may not sign in: one answer for all.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Server(#[from] ServerError),
}

impl From<sqlx::Error> for SignInError {
    fn from(e: sqlx::Error) -> Self {
        SignInError::Server(e.into())
    }
}

/// Checks an e-mail and password. The same bcrypt work is done whether the account exists,
/// the password is wrong or the account is not ACTIVE, so timing reveals nothing.
/// Every attempt is logged with its result, reason and client address; never the password.
#[tracing::instrument(
    name = "sign in",
    skip_all,
    fields(user_id = tracing::field::Empty, address = ?client.address)
)]
pub async fn validate_credentials(
    state: &AppState,
    email: &Email,
    password: SecretString,
    client: &Client,
) -> Result<CurrentUser, SignInError> {
    let stored = users::find_credentials(&state.db, email).await?;
    let hash = stored.as_ref().map(|s| s.password_hash.clone());
    let password_matches = state.hasher.verify(password, hash).await?;
    let Some(stored) = stored else {
        tracing::info!(
            outcome = "failure",
            reason = "unknown email",
            "sign-in attempt"
        );
        return Err(SignInError::InvalidCredentials);
    };
    tracing::Span::current().record("user_id", tracing::field::display(stored.id));
    // A lock from failed sign-ins that has run out no longer counts.
    let lock_expired =
        stored.status == UserStatus::Locked && lockout::lock_has_expired(stored.locked_until);
    let status = if lock_expired {
        UserStatus::Active
    } else {
        stored.status
    };
    if !password_matches {
        let locked_now =
            status == UserStatus::Active && lockout::record_failure(state, stored.id).await?;
        tracing::info!(
            outcome = "failure",
            reason = "wrong password",
            locked_now,
            "sign-in attempt"
        );
        return Err(SignInError::InvalidCredentials);
    }
    if !status.can_sign_in() {
        tracing::info!(outcome = "failure", reason = "account not active", status = %stored.status, "sign-in attempt");
        return Err(SignInError::InvalidCredentials);
    }
    if lock_expired {
        lockout::lift_expired_lock(state, stored.id).await?;
    }
    lockout::clear_failures(state, stored.id).await?;
    users::record_sign_in(&state.db, stored.id).await?;
    tracing::info!(outcome = "success", "sign-in attempt");
    Ok(CurrentUser {
        id: stored.id,
        email: stored.email,
        role: stored.role,
    })
}

/// Whether the account is still ACTIVE with the role `user` records. Asked once the new
/// session is filed under the user: an admin's lock or role change that committed while the
/// password was being checked ended every session but this one, which did not exist yet.
pub async fn still_has_access(state: &AppState, user: &CurrentUser) -> Result<bool, ServerError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT role, status FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_optional(&state.db)
            .await?;
    Ok(row.is_some_and(|(role, status)| {
        role == user.role.as_str() && status == UserStatus::Active.as_str()
    }))
}

/// The signed-in user, or `Unauthenticated`.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    user_session()
        .await?
        .current_user()
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// The signed-in admin, or `Unauthenticated` / `Forbidden`.
pub async fn require_admin() -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.is_admin() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The state, for a server function that has passed its checks.
pub fn state() -> Result<std::sync::Arc<AppState>, AppError> {
    Ok(app_state()?)
}
