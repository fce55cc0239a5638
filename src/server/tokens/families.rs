//! SQL for token families (token sessions) and their refresh tokens. A refresh token is 32
//! random bytes (43 characters of URL-safe base64) handed out once; only its SHA-256 is
//! stored. Every refresh replaces it; every replaced one stays on record, so that its reuse is
//! recognised and ends the family.

use std::time::Duration;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Utc};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    domain::{CurrentUser, Role, UserStatus},
    server::lockout,
};

/// 32 random bytes in URL-safe base64 without padding.
const TOKEN_CHARS: usize = 43;

/// Why a family ended, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Its browser session signed out, or its app revoked its refresh token.
    Logout,
    /// The user's password, status or role changed, or an admin ended all their sessions.
    AccessRevoked,
    /// A replaced refresh token was presented again.
    RefreshTokenReused,
    /// The user ended their other sessions.
    SessionsEnded,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Logout => "logout",
            EndReason::AccessRevoked => "access_revoked",
            EndReason::RefreshTokenReused => "refresh_token_reused",
            EndReason::SessionsEnded => "sessions_ended",
        }
    }
}

/// A refresh token as a client presents it: 43 URL-safe base64 characters, or nothing of ours.
pub struct PresentedRefreshToken(String);

impl PresentedRefreshToken {
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == TOKEN_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| Self(raw.to_owned()))
    }

    fn hash(&self) -> Vec<u8> {
        hash(&self.0)
    }
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> (SecretString, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let digest = hash(&token);
    (SecretString::from(token), digest)
}

/// A family just started: its id (the `sid`) and its first refresh token.
pub struct NewFamily {
    pub sid: Uuid,
    pub refresh_token: SecretString,
}

/// How long refresh tokens and families live, from the session settings.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub owner_idle: Duration,
    pub admin_idle: Duration,
    pub absolute: Duration,
}

impl Lifetimes {
    fn idle(&self, role: Role) -> Duration {
        match role {
            Role::Owner => self.owner_idle,
            Role::Admin => self.admin_idle,
        }
    }
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// Where a family starts from: an app's sign-in, or a browser session (whose own end, the
/// absolute limit counted from its sign-in, the family may not outlive).
pub enum Origin {
    App,
    BrowserSession {
        handle: Uuid,
        signed_in_at: DateTime<Utc>,
    },
}

/// Starts a family for `user`. The user's families that have expired are deleted on the way.
pub async fn start(
    db: &PgPool,
    user: &CurrentUser,
    origin: Origin,
    lifetimes: &Lifetimes,
) -> Result<NewFamily, sqlx::Error> {
    let (browser_session, started): (Option<Uuid>, Option<DateTime<Utc>>) = match origin {
        Origin::App => (None, None),
        Origin::BrowserSession {
            handle,
            signed_in_at,
        } => (Some(handle), Some(signed_in_at)),
    };
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM token_families WHERE user_id = $1 AND expires_at < now()")
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    let sid: Uuid = sqlx::query_scalar(
        "INSERT INTO token_families (user_id, browser_session, expires_at)
         VALUES ($1, $2, COALESCE($4, now()) + make_interval(secs => $3)) RETURNING id",
    )
    .bind(user.id)
    .bind(browser_session)
    .bind(seconds(lifetimes.absolute))
    .bind(started)
    .fetch_one(&mut *tx)
    .await?;
    let refresh_token = insert_token(&mut tx, sid, lifetimes.idle(user.role)).await?;
    tx.commit().await?;
    Ok(NewFamily { sid, refresh_token })
}

/// A new refresh token of family `sid`, ending at its idle timeout or the family's end.
async fn insert_token(
    tx: &mut PgConnection,
    sid: Uuid,
    idle: Duration,
) -> Result<SecretString, sqlx::Error> {
    let (token, digest) = new_token();
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family_id, expires_at)
         SELECT $1, id, LEAST(now() + make_interval(secs => $3), expires_at)
         FROM token_families WHERE id = $2",
    )
    .bind(digest)
    .bind(sid)
    .bind(seconds(idle))
    .execute(tx)
    .await?;
    Ok(token)
}

/// What presenting a refresh token came to.
pub enum Rotation {
    /// Exchanged for `refresh_token`; the user as they are now.
    Rotated {
        user: CurrentUser,
        sid: Uuid,
        refresh_token: SecretString,
    },
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a token of ours (or one whose family was deleted long after it expired).
    Unknown,
    /// Already exchanged once: the family is ended now.
    Reused {
        user_id: Uuid,
        sid: Uuid,
    },
    Expired,
    /// Its family was ended before (logout, a change of access, reuse).
    Revoked {
        user_id: Uuid,
        sid: Uuid,
    },
    /// The account may no longer sign in (inactive, locked by an admin, withdrawn): the
    /// family is ended now.
    NoAccess {
        user_id: Uuid,
        sid: Uuid,
    },
}

#[derive(sqlx::FromRow)]
struct PresentedRow {
    used: bool,
    expired: bool,
    sid: Uuid,
    user_id: Uuid,
    revoked: bool,
    email: String,
    role: String,
    status: String,
    locked_until: Option<DateTime<Utc>>,
    must_change_password: bool,
}

/// Exchanges a refresh token for the next one of its family, in one transaction that holds
/// the token and its family: two requests with the same token never both succeed.
pub async fn rotate(
    db: &PgPool,
    presented: &PresentedRefreshToken,
    lifetimes: &Lifetimes,
) -> Result<Rotation, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row: Option<PresentedRow> = sqlx::query_as(
        "SELECT t.used_at IS NOT NULL AS used,
                (t.expires_at <= now() OR f.expires_at <= now()) AS expired,
                f.id AS sid, f.user_id, f.revoked_at IS NOT NULL AS revoked,
                u.email, u.role, u.status, u.locked_until, u.must_change_password
         FROM refresh_tokens t
         JOIN token_families f ON f.id = t.family_id
         JOIN users u ON u.id = f.user_id
         WHERE t.token_hash = $1
         FOR UPDATE OF t, f",
    )
    .bind(presented.hash())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(Rotation::Refused(Refusal::Unknown));
    };
    if row.revoked {
        return Ok(Rotation::Refused(Refusal::Revoked {
            user_id: row.user_id,
            sid: row.sid,
        }));
    }
    if row.used {
        end(&mut tx, row.sid, EndReason::RefreshTokenReused).await?;
        tx.commit().await?;
        return Ok(Rotation::Refused(Refusal::Reused {
            user_id: row.user_id,
            sid: row.sid,
        }));
    }
    if row.expired {
        return Ok(Rotation::Refused(Refusal::Expired));
    }
    let role: Role = row
        .role
        .parse()
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let status: UserStatus = row
        .status
        .parse()
        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    if !lockout::may_keep_access(status, row.locked_until) {
        end(&mut tx, row.sid, EndReason::AccessRevoked).await?;
        tx.commit().await?;
        return Ok(Rotation::Refused(Refusal::NoAccess {
            user_id: row.user_id,
            sid: row.sid,
        }));
    }
    sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(presented.hash())
        .execute(&mut *tx)
        .await?;
    let refresh_token = insert_token(&mut tx, row.sid, lifetimes.idle(role)).await?;
    tx.commit().await?;
    Ok(Rotation::Rotated {
        // An admin's request for a new password applies at the next sign-in, as for a browser
        // session: a token session that began before it goes on.
        user: CurrentUser {
            id: row.user_id,
            email: row.email,
            role,
            must_change_password: row.must_change_password,
        },
        sid: row.sid,
        refresh_token,
    })
}

async fn end(tx: &mut PgConnection, sid: Uuid, reason: EndReason) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $2
         WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(sid)
    .bind(reason.as_str())
    .execute(tx)
    .await?;
    Ok(())
}

/// Ends the family `sid` of `user_id`; whether it was still going.
pub async fn end_family(
    db: &PgPool,
    user_id: Uuid,
    sid: Uuid,
    reason: EndReason,
) -> Result<bool, sqlx::Error> {
    let ended = sqlx::query(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $3
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(sid)
    .bind(user_id)
    .bind(reason.as_str())
    .execute(db)
    .await?
    .rows_affected();
    Ok(ended == 1)
}

/// Which of a user's families to end.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    All,
    /// Those asked for from this browser session.
    OfBrowserSession(Uuid),
    /// All but those asked for from this browser session.
    AllBut(Option<Uuid>),
}

/// Ends the user's families that `which` names; returns their ids.
pub async fn end_families(
    db: &PgPool,
    user_id: Uuid,
    which: Which,
    reason: EndReason,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let (filter, handle) = which.filter(3);
    sqlx::query_scalar(&format!(
        "UPDATE token_families SET revoked_at = now(), revoked_reason = $2
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND {filter}
         RETURNING id"
    ))
    .bind(user_id)
    .bind(reason.as_str())
    .bind(handle)
    .fetch_all(db)
    .await
}

/// The families [`end_families`] would end now, without ending them.
pub async fn open_families(
    db: &PgPool,
    user_id: Uuid,
    which: Which,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let (filter, handle) = which.filter(2);
    sqlx::query_scalar(&format!(
        "SELECT id FROM token_families
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND {filter}"
    ))
    .bind(user_id)
    .bind(handle)
    .fetch_all(db)
    .await
}

impl Which {
    /// The condition on `browser_session`, compared with the query's parameter `$param`, and
    /// the handle to bind to it (the parameter is always used, so it always has a type).
    fn filter(self, param: usize) -> (String, Option<Uuid>) {
        match self {
            Which::All => (format!("${param}::uuid IS NULL"), None),
            Which::OfBrowserSession(handle) => {
                (format!("browser_session = ${param}"), Some(handle))
            }
            Which::AllBut(handle) => (format!("browser_session IS DISTINCT FROM ${param}"), handle),
        }
    }
}

/// The family a refresh token (current or replaced) belongs to, with its user.
pub async fn family_of(
    db: &PgPool,
    presented: &PresentedRefreshToken,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.user_id, f.id FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id
         WHERE t.token_hash = $1",
    )
    .bind(presented.hash())
    .fetch_optional(db)
    .await
}

impl std::fmt::Debug for PresentedRefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PresentedRefreshToken(..)")
    }
}

/// The token text, to hand to the client once.
pub fn reveal(token: &SecretString) -> &str {
    token.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_43_url_safe_characters_and_stored_as_digests() {
        let (token, digest) = new_token();
        let text = reveal(&token);
        let presented = PresentedRefreshToken::parse(text).unwrap();
        assert_eq!(presented.hash(), digest);
        assert_eq!(digest.len(), 32);
        assert!(PresentedRefreshToken::parse(&text[1..]).is_none());
        assert!(PresentedRefreshToken::parse(&format!("{}=", &text[1..])).is_none());
        assert!(PresentedRefreshToken::parse("가".repeat(15).as_str()).is_none());
    }
}
