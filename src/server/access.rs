//! Per-user access versions: how a change of role, status or password reaches every session at
//! once, including a session that was being created or renewed while the change happened.
//!
//! Each user has a version in Redis (`user_access:{user_id}`, a random value; none yet reads as
//! [`AccessVersion::initial`]). A session records the version it was signed in under, and every
//! request compares the two (one Redis GET per signed-in request, no PostgreSQL). Taking access
//! away ([`revoke`]) sets a new version and then deletes the user's sessions: a session that
//! slipped past the deletion (written by a request that was in flight, say a password change
//! racing an admin's demotion) still carries the old version and is refused on its next use.

use serde::{Deserialize, Serialize};
use tower_sessions_redis_store::fred::{
    self,
    prelude::{KeysInterface, LuaInterface, Pool as RedisPool},
    types::Expiration,
};
use uuid::Uuid;

use super::{error::ServerError, outbox::Pending, state::AppState};

/// The version a session was signed in under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessVersion(String);

impl AccessVersion {
    /// A user whose access never changed has no key: every session of theirs reads this.
    pub fn initial() -> Self {
        Self("0".to_owned())
    }
}

impl Default for AccessVersion {
    fn default() -> Self {
        Self::initial()
    }
}

/// Reads the version and makes the key outlive the session about to record it: the key must
/// not expire (and read as the initial version again) while a session that saw it is alive.
const READ_FOR_NEW_SESSION: &str = "local v = redis.call('GET', KEYS[1])
if v then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl >= 0 and ttl < tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
end
return v";

#[derive(Clone)]
pub struct AccessVersions {
    redis: RedisPool,
    /// The longest a session lives, in seconds: how long a version must be remembered.
    keep_seconds: i64,
}

fn key(user_id: Uuid) -> String {
    format!("user_access:{user_id}")
}

impl AccessVersions {
    pub fn new(redis: RedisPool, session_lifetime: std::time::Duration) -> Self {
        let seconds = session_lifetime.as_secs() + u64::from(session_lifetime.subsec_nanos() > 0);
        Self {
            redis,
            keep_seconds: i64::try_from(seconds).unwrap_or(i64::MAX),
        }
    }

    /// The version a request compares its session's with.
    pub async fn current(&self, user_id: Uuid) -> Result<AccessVersion, fred::error::Error> {
        let value: Option<String> = self.redis.get(key(user_id)).await?;
        Ok(value.map_or_else(AccessVersion::initial, AccessVersion))
    }

    /// The version a session being signed in records.
    pub async fn for_new_session(
        &self,
        user_id: Uuid,
    ) -> Result<AccessVersion, fred::error::Error> {
        let value: Option<String> = self
            .redis
            .eval(READ_FOR_NEW_SESSION, key(user_id), self.keep_seconds)
            .await?;
        Ok(value.map_or_else(AccessVersion::initial, AccessVersion))
    }

    /// Sets a new version: every session signed in under an earlier one is refused from now on.
    pub async fn bump(&self, user_id: Uuid) -> Result<AccessVersion, fred::error::Error> {
        let version = Uuid::new_v4().simple().to_string();
        self.redis
            .set::<(), _, _>(
                key(user_id),
                version.as_str(),
                Some(Expiration::EX(self.keep_seconds)),
                None,
                false,
            )
            .await?;
        Ok(AccessVersion(version))
    }
}

/// Takes away every session the user has: a new access version, then their sessions deleted,
/// then every token they were issued for other services (their refresh tokens end, and their
/// access tokens go on the revocation list, see `tokens::revocation`). Returns the new version
/// (a session signed in again right after records it) and how many sessions were ended. Safe
/// to repeat.
pub async fn revoke(
    state: &AppState,
    user_id: Uuid,
) -> Result<(AccessVersion, usize), ServerError> {
    let version = state.access.bump(user_id).await?;
    let ended = state.sessions.end_all(user_id, None).await?;
    state.tokens.revocation.revoke_user(user_id).await?;
    Ok((version, ended))
}

/// Revokes the user's access right after the commit that wrote `job` (the same revocation,
/// queued in the outbox), and returns the new version and how many sessions ended. If Redis
/// fails now, the change stands (it is committed: the caller answers as usual) and the outbox
/// worker revokes as soon as Redis answers again: `None`.
pub async fn revoke_committed(
    state: &AppState,
    user_id: Uuid,
    job: Pending,
) -> Option<(AccessVersion, usize)> {
    let revoked = match revoke(state, user_id).await {
        Ok(revoked) => revoked,
        Err(error) => {
            tracing::warn!(user_id = %user_id, error = ?error, "revocation left to the outbox worker");
            return None;
        }
    };
    if let Err(error) = job.done(state).await {
        // Done twice at worst: the worker repeats it, which ends the same sessions again.
        tracing::warn!(error = ?error, "a done revocation could not be marked done");
    }
    Some(revoked)
}
