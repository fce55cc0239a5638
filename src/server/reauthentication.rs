//! Asking a signed-in user for their password again before a sensitive change (e-mail, phone
//! number, password, withdrawal). A stolen session must not become a free password-guessing
//! oracle, nor a way to fill the password-hashing queue:
//! - attempts are throttled per user (10 a minute) and per client address (the sign-in limit);
//! - 5 wrong passwords within 15 minutes sign the session out;
//! - every attempt is logged with its purpose, result and client address, never the password.

use secrecy::SecretString;
use tower_sessions_redis_store::fred::prelude::KeysInterface;

use super::{
    client::Client, error::ServerError, session::UserSession, state::AppState, users,
    window_counter,
};
use crate::{domain::CurrentUser, error::AppError};

pub const WRONG_PASSWORD: &str = "비밀번호가 올바르지 않습니다.";
pub const PASSWORD_MISSING: &str = "비밀번호를 입력해 주세요.";

const ATTEMPTS_PER_MINUTE_PER_USER: i64 = 10;
const MAX_FAILURES: i64 = 5;
const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

/// What the password is asked for, as the log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    EmailChange,
    PhoneChange,
    PasswordChange,
    Withdrawal,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::EmailChange => "email change",
            Purpose::PhoneChange => "phone change",
            Purpose::PasswordChange => "password change",
            Purpose::Withdrawal => "withdrawal",
        }
    }
}

fn failures_key(user: &CurrentUser) -> String {
    format!("reauth_failures:{}", user.id)
}

/// Checks the signed-in user's password again; a wrong one is an error at `field`.
#[tracing::instrument(
    name = "re-authentication",
    skip_all,
    fields(user_id = %user.id, purpose = purpose.as_str(), address = tracing::field::Empty)
)]
pub async fn reauthenticate(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    password: &str,
    field: &str,
    purpose: Purpose,
) -> Result<(), AppError> {
    if password.is_empty() {
        return Err(AppError::field(field, PASSWORD_MISSING));
    }
    let client = session.client();
    if let Some(address) = client.address {
        tracing::Span::current().record("address", tracing::field::display(address));
    }
    if is_throttled(state, user, &client).await? {
        tracing::warn!(outcome = "throttled", "re-authentication attempt");
        return Err(AppError::TooManyRequests);
    }
    let hash = users::password_hash(&state.db, user.id).await?;
    let matches = state
        .hasher
        .verify(SecretString::from(password), hash)
        .await?;
    // A right password counts only for a session still signed in: wrong ones sent at the same
    // time may have signed it out while this one waited for bcrypt.
    if matches && !session.is_still_signed_in(user).await? {
        tracing::warn!(
            outcome = "failure",
            reason = "signed out meanwhile",
            "re-authentication attempt"
        );
        return Err(AppError::SignedOut);
    }
    if matches {
        state
            .redis
            .del::<(), _>(failures_key(user))
            .await
            .map_err(ServerError::from)?;
        tracing::info!(outcome = "success", "re-authentication attempt");
        return Ok(());
    }
    let failures =
        window_counter::count_one(&state.redis, &failures_key(user), FAILURE_WINDOW_SECONDS)
            .await
            .map_err(ServerError::from)?;
    if failures >= MAX_FAILURES {
        state
            .redis
            .del::<(), _>(failures_key(user))
            .await
            .map_err(ServerError::from)?;
        session.log_out().await?;
        tracing::warn!(
            outcome = "failure",
            failures,
            then = "signed out",
            "re-authentication attempt"
        );
        return Err(AppError::SignedOut);
    }
    tracing::info!(outcome = "failure", failures, "re-authentication attempt");
    Err(AppError::field(field, WRONG_PASSWORD))
}

async fn is_throttled(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
) -> Result<bool, ServerError> {
    let redis = &state.redis;
    if window_counter::exceeds(
        redis,
        "reauth:user",
        &user.id.to_string(),
        ATTEMPTS_PER_MINUTE_PER_USER,
        60,
    )
    .await?
    {
        return Ok(true);
    }
    let limit = i64::from(state.throttle.settings.sign_in_per_minute);
    Ok(
        window_counter::exceeds(redis, "reauth:address", &client.rate_limit_key(), limit, 60)
            .await?,
    )
}
