//! Brute-force protection for one account: 5 failed sign-ins within 15 minutes lock it for 15
//! minutes; it unlocks by itself afterwards, and a successful sign-in resets the count.
//!
//! The count lives in Redis (`sign_in_failures:{user_id}`, expiring with its window), so every
//! node sees the same one. The lock itself is the account's status (LOCKED) with an end time
//! (`locked_until`), so admins see it and can lift it; a lock set by an admin has no end time.
//! Sessions that are already signed in stay: the lock stops guessing, and ending them would let
//! anyone who knows an e-mail address sign its owner out everywhere.

use chrono::{DateTime, Utc};
use tower_sessions_redis_store::fred::prelude::KeysInterface;
use uuid::Uuid;

use super::{error::ServerError, state::AppState, window_counter};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_SECONDS: i64 = 15 * 60;
pub const LOCK_MINUTES: i64 = 15;

fn key(user_id: Uuid) -> String {
    format!("sign_in_failures:{user_id}")
}

/// Counts a failed sign-in; returns true when this failure locked the account.
pub async fn record_failure(state: &AppState, user_id: Uuid) -> Result<bool, ServerError> {
    let key = key(user_id);
    let failures = window_counter::count_one(&state.redis, &key, WINDOW_SECONDS).await?;
    if failures < MAX_FAILURES {
        return Ok(false);
    }
    let locked = sqlx::query(
        "UPDATE users SET status = 'LOCKED', locked_until = now() + make_interval(mins => $2::int)
         WHERE id = $1 AND status = 'ACTIVE'",
    )
    .bind(user_id)
    .bind(LOCK_MINUTES as i32)
    .execute(&state.db)
    .await?
    .rows_affected()
        == 1;
    state.redis.del::<(), _>(&key).await?;
    Ok(locked)
}

pub async fn clear_failures(state: &AppState, user_id: Uuid) -> Result<(), ServerError> {
    Ok(state.redis.del::<(), _>(key(user_id)).await?)
}

/// True when a lock from failed sign-ins has run out (an admin's lock never does).
pub fn lock_has_expired(locked_until: Option<DateTime<Utc>>) -> bool {
    locked_until.is_some_and(|until| until <= Utc::now())
}

/// Lifts a lock that has run out; a no-op if an admin has changed the account meanwhile.
pub async fn lift_expired_lock(state: &AppState, user_id: Uuid) -> Result<(), ServerError> {
    sqlx::query(
        "UPDATE users SET status = 'ACTIVE', locked_until = NULL
         WHERE id = $1 AND status = 'LOCKED' AND locked_until <= now()",
    )
    .bind(user_id)
    .execute(&state.db)
    .await?;
    Ok(())
}
