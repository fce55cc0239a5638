//! The three ways to get tokens (OAuth 2.0 "grants"): from a signed-in browser session, from
//! e-mail and password (an app's sign-in, the same checks, throttle, lockout and log as the
//! sign-in page), and from a refresh token.
//!
//! A grant reads the state it decides on (the session, the account, the family), records the
//! family, and only then signs the access token, checking the user's "revoked before" moment
//! on the revocation list once more: a revocation that happened while the grant was under way
//! ends the new family and refuses the grant, and a token signed right after a revocation gets
//! an `iat` after it (waiting for the next second if need be), so the list never mistakes it
//! for one of the revoked.

use platform_auth::AccessClaims;
use secrecy::SecretString;
use uuid::Uuid;

use super::{
    families::{self, EndReason, NewFamily, PresentedRefreshToken, Refusal, Rotation},
    revocation::{now_millis, ACCESS_TOKEN_LIFETIME},
};
use crate::{
    domain::{CurrentUser, Email},
    server::{
        auth::{self, SignInError},
        client::Client,
        devices,
        error::ServerError,
        session::UserSession,
        state::AppState,
        users,
    },
};

/// What a successful grant hands the client.
pub struct Issued {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: SecretString,
    pub sid: Uuid,
}

/// Why a grant was refused: each has a stable reason code for the JSON answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GrantRefusal {
    /// Unknown e-mail, wrong password, an account that may not sign in, a lock: one answer.
    #[error("the e-mail or password is wrong, or the account may not sign in now")]
    InvalidCredentials,
    #[error("no signed-in session came with the request")]
    NoSession,
    #[error("the refresh token is malformed")]
    RefreshTokenMalformed,
    #[error("the refresh token is unknown")]
    RefreshTokenUnknown,
    #[error("the refresh token was already used; its token session has ended")]
    RefreshTokenReused,
    #[error("the refresh token has expired")]
    RefreshTokenExpired,
    #[error("the refresh token has been revoked")]
    RefreshTokenRevoked,
    #[error("the user's access changed while the tokens were being issued")]
    AccessRevoked,
    /// An admin asked for a new password: set it on the web first (`/profile/password`).
    #[error("the password must be changed first, on the web")]
    PasswordChangeRequired,
}

impl GrantRefusal {
    pub fn code(self) -> &'static str {
        match self {
            GrantRefusal::InvalidCredentials => "invalid_credentials",
            GrantRefusal::NoSession => "no_session",
            GrantRefusal::RefreshTokenMalformed => "refresh_token_malformed",
            GrantRefusal::RefreshTokenUnknown => "refresh_token_unknown",
            GrantRefusal::RefreshTokenReused => "refresh_token_reused",
            GrantRefusal::RefreshTokenExpired => "refresh_token_expired",
            GrantRefusal::RefreshTokenRevoked => "refresh_token_revoked",
            GrantRefusal::AccessRevoked => "access_revoked",
            GrantRefusal::PasswordChangeRequired => "password_change_required",
        }
    }

    pub const ALL: [GrantRefusal; 9] = [
        GrantRefusal::InvalidCredentials,
        GrantRefusal::NoSession,
        GrantRefusal::RefreshTokenMalformed,
        GrantRefusal::RefreshTokenUnknown,
        GrantRefusal::RefreshTokenReused,
        GrantRefusal::RefreshTokenExpired,
        GrantRefusal::RefreshTokenRevoked,
        GrantRefusal::AccessRevoked,
        GrantRefusal::PasswordChangeRequired,
    ];
}

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error(transparent)]
    Refused(#[from] GrantRefusal),
    #[error(transparent)]
    Server(#[from] ServerError),
}

impl From<sqlx::Error> for GrantError {
    fn from(error: sqlx::Error) -> Self {
        GrantError::Server(error.into())
    }
}

/// Tokens for the browser session the request came with.
pub async fn from_session(state: &AppState, session: &UserSession) -> Result<Issued, GrantError> {
    let asked_at = now_millis();
    let user = session
        .current_user()
        .await?
        .ok_or(GrantRefusal::NoSession)?;
    if user.must_change_password {
        return Err(GrantRefusal::PasswordChangeRequired.into());
    }
    let (handle, signed_in_at) = session
        .browser_session()
        .await?
        .ok_or(GrantRefusal::NoSession)?;
    // The account as it is now (another browser may have changed the e-mail since this
    // session began), not the session's copy.
    let user = match users::find_account(&state.db, user.id).await? {
        Some(account) if account.role == user.role => CurrentUser {
            email: account.email,
            ..user
        },
        _ => return Err(GrantRefusal::NoSession.into()),
    };
    let origin = families::Origin::BrowserSession {
        handle,
        signed_in_at,
    };
    let family = families::start(&state.db, &user, origin, &state.tokens.lifetimes).await?;
    // A logout or revocation that ended this browser's families before this one was recorded
    // would have missed it: then the session is gone or its access version old.
    if !session.is_still_signed_in(&user).await? {
        state
            .tokens
            .revocation
            .end_family(user.id, family.sid, EndReason::Logout)
            .await?;
        return Err(GrantRefusal::NoSession.into());
    }
    tracing::info!(user_id = %user.id, sid = %family.sid, grant = "session", "tokens issued");
    sign(state, &user, family, asked_at).await
}

/// Tokens for an app that signs in with e-mail and password: the sign-in page's checks,
/// lockout and log (`auth::validate_credentials`). The caller has counted the attempt in the
/// sign-in throttle. An app holds no device cookie: it is an unknown browser to the lockout.
pub async fn from_password(
    state: &AppState,
    email: &Email,
    password: SecretString,
    client: &Client,
) -> Result<Issued, GrantError> {
    let asked_at = now_millis();
    let signed_in = match auth::validate_credentials(state, email, password, client, None).await {
        Ok(signed_in) => signed_in,
        Err(SignInError::InvalidCredentials) => return Err(GrantRefusal::InvalidCredentials.into()),
        Err(SignInError::Server(e)) => return Err(e.into()),
    };
    let user = signed_in.user;
    if user.must_change_password {
        return Err(GrantRefusal::PasswordChangeRequired.into());
    }
    let family = families::start(
        &state.db,
        &user,
        families::Origin::App,
        &state.tokens.lifetimes,
    )
    .await?;
    // An admin's change or a password reset that committed while the password was checked.
    if !auth::still_has_access(state, &user, Some(&signed_in.password_hash)).await? {
        state
            .tokens
            .revocation
            .end_family(user.id, family.sid, EndReason::AccessRevoked)
            .await?;
        return Err(GrantRefusal::InvalidCredentials.into());
    }
    // An app holds no device cookie: every app sign-in is told to the owner, as a browser new
    // to the account is.
    devices::tell_of_new_sign_in(state, user.id, client).await?;
    tracing::info!(user_id = %user.id, sid = %family.sid, grant = "password", "tokens issued");
    sign(state, &user, family, asked_at).await
}

/// The next refresh token of the family, and an access token with the user's role and
/// e-mail as they are now.
pub async fn from_refresh_token(
    state: &AppState,
    presented: &PresentedRefreshToken,
) -> Result<Issued, GrantError> {
    let asked_at = now_millis();
    // The list is read before the token is exchanged: once exchanged (committed) it is spent,
    // and a Redis failure after that would make the app's retry look like reuse. A revocation
    // after this read ends the family in PostgreSQL, which the exchange waits for and sees,
    // and lists a moment after every token signed here.
    let revoked_before = match families::family_of(&state.db, presented).await? {
        Some((user_id, _)) => state.tokens.revocation.revoked_before(user_id).await?,
        None => None,
    };
    match families::rotate(&state.db, presented, &state.tokens.lifetimes).await? {
        Rotation::Rotated {
            user,
            sid,
            refresh_token,
        } => {
            let family = NewFamily { sid, refresh_token };
            sign_as_of(state, &user, family, asked_at, revoked_before).await
        }
        Rotation::Refused(refusal) => Err(refused(state, refusal).await?.into()),
    }
}

/// Puts what a refused refresh ended on the revocation list, and says why it was refused.
async fn refused(state: &AppState, refusal: Refusal) -> Result<GrantRefusal, ServerError> {
    Ok(match refusal {
        Refusal::Unknown => GrantRefusal::RefreshTokenUnknown,
        Refusal::Expired => GrantRefusal::RefreshTokenExpired,
        Refusal::Revoked { user_id, sid } => {
            // Listed when it was ended; again here, in case Redis failed then.
            state.tokens.revocation.list_session(user_id, sid).await?;
            GrantRefusal::RefreshTokenRevoked
        }
        Refusal::Reused { user_id, sid } => {
            // Someone else holds a copy of this family's tokens: its access tokens go too.
            tracing::warn!(user_id = %user_id, sid = %sid, "a replaced refresh token was used again: token session ended");
            state.tokens.revocation.list_session(user_id, sid).await?;
            GrantRefusal::RefreshTokenReused
        }
        Refusal::NoAccess { user_id, sid } => {
            tracing::info!(user_id = %user_id, sid = %sid, "refresh refused: the account may not sign in");
            state.tokens.revocation.list_session(user_id, sid).await?;
            GrantRefusal::RefreshTokenRevoked
        }
    })
}

/// Ends the token session of a refresh token (current or replaced): an app's sign-out
/// (RFC 7009). Unknown tokens end nothing, and say so to nobody.
pub async fn revoke_refresh_token(
    state: &AppState,
    presented: &PresentedRefreshToken,
) -> Result<(), ServerError> {
    if let Some((user_id, sid)) = families::family_of(&state.db, presented).await? {
        state
            .tokens
            .revocation
            .end_family(user_id, sid, EndReason::Logout)
            .await?;
        tracing::info!(user_id = %user_id, sid = %sid, "token session ended by its client");
    }
    Ok(())
}

/// Signs the access token of `family` once the revocation list allows it (see the module
/// comment): a revocation after `asked_at` refuses, one before it sets the earliest `iat`.
async fn sign(
    state: &AppState,
    user: &CurrentUser,
    family: NewFamily,
    asked_at: i64,
) -> Result<Issued, GrantError> {
    let revoked_before = state.tokens.revocation.revoked_before(user.id).await?;
    sign_as_of(state, user, family, asked_at, revoked_before).await
}

/// [`sign`] with the user's "revoked before" moment as read by the caller.
async fn sign_as_of(
    state: &AppState,
    user: &CurrentUser,
    family: NewFamily,
    asked_at: i64,
    revoked_before: Option<i64>,
) -> Result<Issued, GrantError> {
    let tokens = &state.tokens;
    if revoked_before.is_some_and(|before| before >= asked_at) {
        tokens
            .revocation
            .end_family(user.id, family.sid, EndReason::AccessRevoked)
            .await?;
        return Err(GrantRefusal::AccessRevoked.into());
    }
    let mut now = chrono::Utc::now();
    if let Some(before) = revoked_before {
        // A token whose `iat` second holds the revocation counts as revoked: wait for the
        // next second (at most one, and only right after a revocation).
        let first_allowed = before.div_euclid(1000) + 1;
        let wait = first_allowed * 1000 - now.timestamp_millis();
        if wait > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(wait.unsigned_abs())).await;
            now = chrono::Utc::now();
        }
    }
    let iat = now.timestamp();
    let lifetime = ACCESS_TOKEN_LIFETIME.as_secs();
    let claims = AccessClaims {
        sub: user.id,
        role: match user.role {
            crate::domain::Role::Owner => platform_auth::Role::Owner,
            crate::domain::Role::Admin => platform_auth::Role::Admin,
        },
        email: user.email.clone(),
        sid: family.sid,
        jti: Uuid::new_v4(),
        iat,
        exp: iat.saturating_add_unsigned(lifetime),
        iss: tokens.expected.issuer.clone(),
        aud: tokens.expected.audience.clone(),
    };
    let access_token = tokens
        .keys
        .sign(&claims)
        .map_err(|e| ServerError::Signing(e.to_string()))?;
    Ok(Issued {
        access_token,
        expires_in: lifetime,
        refresh_token: family.refresh_token,
        sid: family.sid,
    })
}
