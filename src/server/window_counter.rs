//! Counts of events in fixed time windows, kept in Redis so that every node shares them: sign-in
//! and sign-up attempts per client address, failed sign-ins per account.

use tower_sessions_redis_store::fred::{
    self,
    prelude::{LuaInterface, Pool as RedisPool},
};

/// One step, so a key is never left without an expiry (say, if the connection broke between
/// two commands) and never lives past its window.
const COUNT_ONE: &str = "local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count";

/// Adds one to the count at `key` and returns it; the first count starts the window, which
/// ends `window_seconds` later with the key.
pub async fn count_one(
    redis: &RedisPool,
    key: &str,
    window_seconds: i64,
) -> Result<i64, fred::error::Error> {
    redis.eval(COUNT_ONE, key, window_seconds).await
}

/// Adds one to the count of `subject` under `name` in the current fixed window of
/// `window_seconds` (windows start at multiples of it, shared by every node) and returns it.
pub async fn count_in_window(
    redis: &RedisPool,
    name: &str,
    subject: &str,
    window_seconds: i64,
) -> Result<i64, fred::error::Error> {
    let window = chrono::Utc::now().timestamp() / window_seconds;
    count_one(redis, &format!("{name}:{subject}:{window}"), window_seconds).await
}

/// Counts one more event of `subject` under `name` in the current window, and says whether the
/// count is now past `limit`.
pub async fn exceeds(
    redis: &RedisPool,
    name: &str,
    subject: &str,
    limit: i64,
    window_seconds: i64,
) -> Result<bool, fred::error::Error> {
    Ok(count_in_window(redis, name, subject, window_seconds).await? > limit)
}
