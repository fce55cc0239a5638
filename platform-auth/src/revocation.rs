//! The revocation list in Redis (the design's `blacklist:{token}`): what makes an access token
//! unusable before it expires. The user service writes it, every verifier reads it, one `MGET`
//! per token:
//!
//! - `blacklist:{<user id>}:sid:<sid>` → `{"userId": …, "logoutAt": <unix seconds>}`: a token
//!   session that ended (its logout, or a refresh token used twice). Every token with that
//!   `sid` is revoked.
//! - `blacklist:{<user id>}` → `{"userId": …, "revokedBefore": <unix milliseconds>}`: the
//!   user's access changed (password, lock, role, withdrawal). Every token of theirs issued
//!   before that moment (`iat * 1000 <= revokedBefore`) is revoked; the user service issues
//!   none after it with an `iat` that low.
//!
//! Each entry lives as long as the tokens it revokes can (their lifetime and the clock
//! leeway), then expires by itself. The braces are a Redis Cluster hash tag: a user's entries
//! share a slot, so the one `MGET` works on a cluster too. An entry that cannot be read counts
//! as revoking everything it could.

use fred::{
    error::Error as RedisError,
    interfaces::{KeysInterface, LuaInterface},
    types::Expiration,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AccessClaims;

/// Marks every token the user holds now as revoked.
pub fn user_key(user_id: Uuid) -> String {
    format!("blacklist:{{{user_id}}}")
}

/// Marks every token of one token session as revoked.
pub fn session_key(user_id: Uuid, sid: Uuid) -> String {
    format!("blacklist:{{{user_id}}}:sid:{sid}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEntry {
    pub user_id: Uuid,
    pub revoked_before: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEntry {
    pub user_id: Uuid,
    pub logout_at: i64,
}

/// Whether the list revokes the token with these claims.
pub async fn is_revoked<R: KeysInterface + Sync>(
    redis: &R,
    claims: &AccessClaims,
) -> Result<bool, RedisError> {
    let (user, session): (Option<String>, Option<String>) = redis
        .mget(vec![
            user_key(claims.sub),
            session_key(claims.sub, claims.sid),
        ])
        .await?;
    Ok(revokes(user.as_deref(), session.as_deref(), claims))
}

/// The decision on what [`is_revoked`] read.
pub fn revokes(user: Option<&str>, session: Option<&str>, claims: &AccessClaims) -> bool {
    if session.is_some() {
        return true;
    }
    match user {
        None => false,
        Some(raw) => serde_json::from_str::<UserEntry>(raw).map_or(true, |entry| {
            claims.iat.saturating_mul(1000) <= entry.revoked_before
        }),
    }
}

/// The user's "revoked before" moment, if there is one: a token issued for them must get a
/// later `iat` to be usable.
pub async fn revoked_before<R: KeysInterface + Sync>(
    redis: &R,
    user_id: Uuid,
) -> Result<Option<i64>, RedisError> {
    let raw: Option<String> = redis.get(user_key(user_id)).await?;
    Ok(raw.map(|raw| {
        serde_json::from_str::<UserEntry>(&raw).map_or(i64::MAX, |entry| entry.revoked_before)
    }))
}

/// Keeps the later of the stored and the new moment (nodes' clocks differ a little; a
/// revocation must never be shortened), and renews the entry's lifetime.
const KEEP_LATEST: &str = "local old = redis.call('GET', KEYS[1])
if old then
  local ok, entry = pcall(cjson.decode, old)
  if ok and type(entry) == 'table' and tonumber(entry.revokedBefore)
     and tonumber(entry.revokedBefore) >= tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1";

/// Revokes every token the user was issued before `at_millis`, for `keep_seconds` (the
/// longest a token issued then can still be accepted).
pub async fn revoke_user<R: LuaInterface + Sync>(
    redis: &R,
    user_id: Uuid,
    at_millis: i64,
    keep_seconds: i64,
) -> Result<(), RedisError> {
    let entry = UserEntry {
        user_id,
        revoked_before: at_millis,
    };
    let value = serde_json::to_string(&entry).map_err(json_error)?;
    redis
        .eval::<(), _, _, _>(
            KEEP_LATEST,
            user_key(user_id),
            vec![value, at_millis.to_string(), keep_seconds.to_string()],
        )
        .await
}

/// Revokes every token of the token session `sid`, for `keep_seconds`.
pub async fn revoke_session<R: KeysInterface + Sync>(
    redis: &R,
    user_id: Uuid,
    sid: Uuid,
    logout_at: i64,
    keep_seconds: i64,
) -> Result<(), RedisError> {
    let entry = SessionEntry { user_id, logout_at };
    let value = serde_json::to_string(&entry).map_err(json_error)?;
    redis
        .set::<(), _, _>(
            session_key(user_id, sid),
            value,
            Some(Expiration::EX(keep_seconds)),
            None,
            false,
        )
        .await
}

fn json_error(error: serde_json::Error) -> RedisError {
    RedisError::new(fred::error::ErrorKind::Parse, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn claims(iat: i64) -> AccessClaims {
        AccessClaims {
            sub: Uuid::nil(),
            role: Role::Owner,
            email: "a@example.com".into(),
            sid: Uuid::nil(),
            jti: Uuid::nil(),
            iat,
            exp: iat + 600,
            iss: "i".into(),
            aud: "a".into(),
        }
    }

    fn marker(millis: i64) -> String {
        serde_json::to_string(&UserEntry {
            user_id: Uuid::nil(),
            revoked_before: millis,
        })
        .unwrap()
    }

    #[test]
    fn a_token_issued_in_the_second_of_a_revocation_or_before_is_revoked() {
        let m = marker(1_700_000_000_500);
        assert!(revokes(Some(&m), None, &claims(1_700_000_000)));
        assert!(revokes(Some(&m), None, &claims(1_699_999_999)));
        assert!(!revokes(Some(&m), None, &claims(1_700_000_001)));
        assert!(!revokes(None, None, &claims(1_700_000_000)));
    }

    #[test]
    fn an_ended_session_or_an_unreadable_marker_revokes() {
        assert!(revokes(None, Some("{}"), &claims(1)));
        assert!(revokes(Some("garbage"), None, &claims(i64::MAX / 2000)));
    }

    #[test]
    fn keys_share_the_users_hash_tag() {
        let user = Uuid::from_u128(7);
        assert_eq!(user_key(user), format!("blacklist:{{{user}}}"));
        assert!(session_key(user, Uuid::nil()).starts_with(&format!("blacklist:{{{user}}}:sid:")));
    }
}
