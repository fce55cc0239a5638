//! Making tokens unusable before they expire: the families end in PostgreSQL (no refresh
//! token of theirs works again) and the revocation list in Redis (`platform_auth::revocation`)
//! refuses their access tokens everywhere at once, here and in every other service.
//!
//! Called from the doors every sign-out already goes through: `access::revoke` (password
//! change, an admin's lock, demotion, status change or "end all sessions", withdrawal) and
//! `UserSession` (logout, ending one or all other browser sessions).

use std::time::Duration;

use sqlx::PgPool;
use tower_sessions_redis_store::fred::prelude::Pool as RedisPool;
use uuid::Uuid;

use super::families::{self, EndReason, Which};
use crate::server::error::ServerError;

/// How long an access token lives.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// How long a revocation must be remembered: as long as a token issued just before it can
/// still be accepted somewhere (its lifetime, the verifiers' clock leeway, and as much again
/// for clocks that disagree).
pub fn keep_seconds() -> i64 {
    let keep = ACCESS_TOKEN_LIFETIME.as_secs() + 2 * platform_auth::LEEWAY_SECONDS;
    i64::try_from(keep).unwrap_or(i64::MAX)
}

#[derive(Clone)]
pub struct TokenRevocation {
    db: PgPool,
    redis: RedisPool,
}

pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl TokenRevocation {
    pub fn new(db: PgPool, redis: RedisPool) -> Self {
        Self { db, redis }
    }

    /// Every token the user holds. The user's entry on the list comes first: a grant that read
    /// the list before it had recorded its family before (it reads the list once more after
    /// recording), so the families ended next include that one. Each family's session is
    /// listed as well as ended, so a token a refresh signed just before its family ended is
    /// refused by its `sid`, whatever second its `iat` says (two nodes' clocks may differ).
    /// Safe to repeat.
    pub async fn revoke_user(&self, user_id: Uuid) -> Result<usize, ServerError> {
        platform_auth::revocation::revoke_user(&self.redis, user_id, now_millis(), keep_seconds())
            .await?;
        self.end(user_id, Which::All, EndReason::AccessRevoked)
            .await
    }

    /// The tokens asked for from one browser session (its logout, or its end from the
    /// sessions page).
    pub async fn end_browser_session(
        &self,
        user_id: Uuid,
        handle: Uuid,
        reason: EndReason,
    ) -> Result<usize, ServerError> {
        self.end(user_id, Which::OfBrowserSession(handle), reason)
            .await
    }

    /// Every token session of the user but those of the browser session `keep`.
    pub async fn end_all_but(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<usize, ServerError> {
        self.end(user_id, Which::AllBut(keep), EndReason::SessionsEnded)
            .await
    }

    /// Lists the token sessions first and ends their families after: if Redis fails half-way,
    /// nothing is ended yet and a retry finds them all again. Families started in between are
    /// listed after they are ended.
    async fn end(
        &self,
        user_id: Uuid,
        which: Which,
        reason: EndReason,
    ) -> Result<usize, ServerError> {
        let open = families::open_families(&self.db, user_id, which).await?;
        for sid in &open {
            self.list_session(user_id, *sid).await?;
        }
        let ended = families::end_families(&self.db, user_id, which, reason).await?;
        for sid in ended.iter().filter(|sid| !open.contains(sid)) {
            self.list_session(user_id, *sid).await?;
        }
        Ok(ended.len())
    }

    /// One token session: its family (if still going) and its access tokens.
    pub async fn end_family(
        &self,
        user_id: Uuid,
        sid: Uuid,
        reason: EndReason,
    ) -> Result<(), ServerError> {
        families::end_family(&self.db, user_id, sid, reason).await?;
        self.list_session(user_id, sid).await
    }

    /// Puts the token session on the list (its family has ended already).
    pub async fn list_session(&self, user_id: Uuid, sid: Uuid) -> Result<(), ServerError> {
        platform_auth::revocation::revoke_session(
            &self.redis,
            user_id,
            sid,
            chrono::Utc::now().timestamp(),
            keep_seconds(),
        )
        .await?;
        Ok(())
    }

    /// The user's "revoked before" moment, in milliseconds, if one is on the list.
    pub async fn revoked_before(&self, user_id: Uuid) -> Result<Option<i64>, ServerError> {
        Ok(platform_auth::revocation::revoked_before(&self.redis, user_id).await?)
    }
}

impl TokenRevocation {
    /// Whether the list revokes the token with these claims.
    pub async fn is_revoked(
        &self,
        claims: &platform_auth::AccessClaims,
    ) -> Result<bool, ServerError> {
        Ok(platform_auth::revocation::is_revoked(&self.redis, claims).await?)
    }
}
