//! Who may do what: sign-in with credentials, and the checks every server function makes
//! before it does anything.

use secrecy::SecretString;
use uuid::Uuid;

use chrono::{DateTime, Utc};

use super::{
    access::AccessVersion,
    client::Client,
    context::{app_state, user_session},
    devices::{self, KnownDevice},
    error::ServerError,
    lockout::{self, Attempt, Lock},
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

/// A sign-in that passed: who, the known browser it came from (if it is one), and what the
/// account was when the password was checked (see [`still_has_access`]).
pub struct SignedIn {
    pub user: CurrentUser,
    pub device: Option<KnownDevice>,
    /// The user's access version, read before the password was checked: a revocation that
    /// lands while it is being checked (a password reset, say) leaves the new session behind.
    pub access: AccessVersion,
    /// The hash the password matched.
    pub password_hash: String,
}

/// Checks an e-mail and password from a browser that may hold a device token. The same bcrypt
/// work is done whether the account exists, the password is wrong, the account may not sign in
/// or the attempt is refused by a lock; that work (a quarter of a second) dwarfs the few
/// lookups only a known account adds (its device, access version and counts, well under a
/// millisecond), which the timing test measures.
/// Every attempt is logged with its result, reason and client address; never the password.
#[tracing::instrument(
    name = "sign in",
    skip_all,
    fields(user_id = tracing::field::Empty, address = ?client.address, known_device = tracing::field::Empty)
)]
pub async fn validate_credentials(
    state: &AppState,
    email: &Email,
    password: SecretString,
    client: &Client,
    device_token: Option<&str>,
) -> Result<SignedIn, SignInError> {
    let stored = users::find_credentials(&state.db, email).await?;
    let access = match &stored {
        Some(stored) => state
            .access
            .for_new_session(stored.id)
            .await
            .map_err(ServerError::from)?,
        None => AccessVersion::initial(),
    };
    let hash = stored.as_ref().map(|s| s.password_hash.clone());
    let password_matches = state.hasher.verify(password.clone(), hash).await?;
    let Some(stored) = stored else {
        tracing::info!(
            outcome = "failure",
            reason = "unknown email",
            "sign-in attempt"
        );
        return Err(SignInError::InvalidCredentials);
    };
    // The browser and the lock are read after the password check: guesses sent all at once
    // wait their turn for bcrypt, and must be judged by what the first of them set off (a
    // lock, a browser made a stranger again), not by what they all found when they came.
    let device = match device_token {
        Some(token) => devices::recognise(&state.db, token)
            .await?
            .filter(|device| device.user_id == stored.id),
        None => None,
    };
    let span = tracing::Span::current();
    span.record("user_id", tracing::field::display(stored.id));
    span.record("known_device", device.is_some());
    let Some((status, lock)) = lockout::current(&state.db, stored.id).await? else {
        tracing::info!(
            outcome = "failure",
            reason = "account gone",
            "sign-in attempt"
        );
        return Err(SignInError::InvalidCredentials);
    };
    // INACTIVE, WITHDRAWN and an admin's lock: nothing to count, nothing to let through.
    let automatic_lock = matches!(lock, Lock::Automatic { .. } | Lock::Expired);
    if !status.can_sign_in() && !automatic_lock {
        tracing::info!(outcome = "failure", reason = "account not active", status = %status, "sign-in attempt");
        return Err(SignInError::InvalidCredentials);
    }
    let attempt = Attempt {
        user_id: stored.id,
        role: stored.role,
        device: device.as_ref(),
        address: client.address,
    };
    if lockout::refuses(state, &attempt, lock).await? {
        tracing::info!(
            outcome = "failure",
            reason = "locked for unknown browsers",
            "sign-in attempt"
        );
        return Err(SignInError::InvalidCredentials);
    }
    if !password_matches {
        let after = lockout::record_failure(state, &attempt).await?;
        tracing::info!(
            outcome = "failure",
            reason = "wrong password",
            then = after.as_str(),
            "sign-in attempt"
        );
        return Err(SignInError::InvalidCredentials);
    }
    if lock == Lock::Expired {
        lockout::lift_expired_lock(state, stored.id).await?;
    }
    lockout::clear_failures(state, &attempt).await?;
    let password_hash = upgraded_hash(state, stored.id, stored.password_hash, password).await?;
    users::record_sign_in(&state.db, stored.id).await?;
    tracing::info!(outcome = "success", "sign-in attempt");
    Ok(SignedIn {
        user: CurrentUser {
            id: stored.id,
            email: stored.email,
            role: stored.role,
            must_change_password: stored.must_change_password,
        },
        device,
        access,
        password_hash,
    })
}

/// The account's hash after a sign-in with the right `password` against `checked`: made anew
/// at the current cost when `checked` is outdated (see `PasswordHasher::is_outdated`), so every
/// account that signs in after `BCRYPT_COST` is raised gets the stronger hash once.
///
/// Written only over `checked`. When the row changed meanwhile, a second sign-in of the same
/// owner may have upgraded it first: its hash is taken if the password matches it too (so
/// neither sign-in is refused for a "changed" password). Otherwise the password really changed,
/// and `checked` is returned for `still_has_access` to refuse this sign-in.
async fn upgraded_hash(
    state: &AppState,
    user_id: Uuid,
    checked: String,
    password: SecretString,
) -> Result<String, ServerError> {
    if !state.hasher.is_outdated(&checked) {
        return Ok(checked);
    }
    let upgraded = state.hasher.hash_checked(password.clone()).await?;
    let written =
        sqlx::query("UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2")
            .bind(user_id)
            .bind(&checked)
            .bind(&upgraded)
            .execute(&state.db)
            .await?
            .rows_affected();
    if written == 1 {
        tracing::info!(user_id = %user_id, "password hash upgraded to the current cost");
        return Ok(upgraded);
    }
    let current = users::password_hash(&state.db, user_id).await?;
    if let Some(current) = current.filter(|current| !state.hasher.is_outdated(current)) {
        if state.hasher.verify(password, Some(current.clone())).await? {
            return Ok(current);
        }
    }
    Ok(checked)
}

/// Whether the account still has the role `user` records, may keep its sessions (see
/// `lockout::may_keep_access`), and, when given, still has the password hash that was checked.
/// Asked once a new or renewed session is filed under the user: a change that committed while
/// the password was being checked (an admin's lock, a password reset) ended every session but
/// this one, which did not exist yet.
pub async fn still_has_access(
    state: &AppState,
    user: &CurrentUser,
    checked_hash: Option<&str>,
) -> Result<bool, ServerError> {
    let row: Option<(String, String, Option<DateTime<Utc>>, String)> =
        sqlx::query_as("SELECT role, status, locked_until, password_hash FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_optional(&state.db)
            .await?;
    Ok(row.is_some_and(|(role, status, locked_until, hash)| {
        let status = status.parse::<UserStatus>().ok();
        role == user.role.as_str()
            && status.is_some_and(|status| lockout::may_keep_access(status, locked_until))
            && checked_hash.is_none_or(|checked| checked == hash)
    }))
}

/// The signed-in user, or `Unauthenticated`; `PasswordChangeRequired` while an admin's request
/// for a new password stands.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    let user = require_user_for_password_change().await?;
    if user.must_change_password {
        return Err(AppError::PasswordChangeRequired);
    }
    Ok(user)
}

/// The signed-in user, even one who must change their password first: for the password change
/// itself.
pub async fn require_user_for_password_change() -> Result<CurrentUser, AppError> {
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
