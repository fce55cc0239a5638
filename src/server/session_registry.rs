//! Which sessions each user has, so that all of them can be ended at once: after a password
//! change, a withdrawal, or (later) an admin taking access away.
//!
//! tower-sessions keys a session by its id only (`{id}` -> record); this keeps a Redis set
//! `user_sessions:{user_id}` of those ids beside it. Deleting a session's key ends it at once
//! on every node. Ids of sessions that expired by themselves are pruned whenever the set is
//! written or read, and the set itself expires when the last session filed in it must have
//! ended (the absolute session lifetime after that filing), so a user who never returns leaves
//! nothing behind.

use tower_sessions::SessionStore;
use tower_sessions_redis_store::{
    fred::{
        self,
        prelude::{KeysInterface, Pool as RedisPool, SetsInterface},
    },
    RedisStore,
};
use uuid::Uuid;

use super::{
    error::ServerError,
    session::{parse_session_id, SessionInfo, SESSION_INFO_KEY},
};

#[derive(Clone)]
pub struct SessionRegistry {
    redis: RedisPool,
    /// How long the set outlives its latest filing: the absolute session lifetime, in seconds
    /// (rounded up).
    keep_seconds: i64,
}

fn key(user_id: Uuid) -> String {
    format!("user_sessions:{user_id}")
}

impl SessionRegistry {
    pub fn new(redis: RedisPool, session_lifetime: std::time::Duration) -> Self {
        let keep_seconds =
            session_lifetime.as_secs() + u64::from(session_lifetime.subsec_nanos() > 0);
        Self {
            redis,
            keep_seconds: i64::try_from(keep_seconds).unwrap_or(i64::MAX),
        }
    }

    /// Files a session under its user.
    pub async fn register(
        &self,
        user_id: Uuid,
        session_id: &str,
    ) -> Result<(), fred::error::Error> {
        let key = key(user_id);
        let filing = self.redis.next().pipeline();
        filing.sadd::<(), _, _>(&key, session_id).await?;
        filing
            .expire::<(), _>(&key, self.keep_seconds, None)
            .await?;
        filing.all::<()>().await?;
        self.open_sessions(user_id).await.map(|_| ())
    }

    /// Whether the session `session_id` is still in the store.
    pub async fn is_open(&self, session_id: &str) -> Result<bool, fred::error::Error> {
        Ok(self.redis.exists::<u32, _>(session_id).await? == 1)
    }

    /// The ids of the user's sessions that are still alive.
    pub async fn open_sessions(&self, user_id: Uuid) -> Result<Vec<String>, fred::error::Error> {
        let key = key(user_id);
        let ids: Vec<String> = self.redis.smembers(&key).await?;
        if ids.is_empty() {
            return Ok(ids);
        }
        // One round trip for all of them, however many sessions the user has.
        let pipeline = self.redis.next().pipeline();
        for id in &ids {
            pipeline.exists::<(), _>(id).await?;
        }
        let alive: Vec<u32> = pipeline.all().await?;
        let mut open = Vec::with_capacity(ids.len());
        let mut expired = Vec::new();
        for (id, alive) in ids.into_iter().zip(alive) {
            if alive == 1 {
                open.push(id)
            } else {
                expired.push(id)
            }
        }
        if !expired.is_empty() {
            self.redis.srem::<(), _, _>(&key, expired).await?;
        }
        Ok(open)
    }

    /// The user's open sessions with what each recorded about itself, keyed by session id.
    /// A session that records nothing (one being created right now) is left out.
    pub async fn describe(&self, user_id: Uuid) -> Result<Vec<(String, SessionInfo)>, ServerError> {
        let store = RedisStore::new(self.redis.clone());
        let mut described = Vec::new();
        for raw_id in self.open_sessions(user_id).await? {
            let Some(id) = parse_session_id(&raw_id) else {
                continue;
            };
            let record = store.load(&id).await?;
            let info = record
                .and_then(|r| r.data.get(SESSION_INFO_KEY).cloned())
                .and_then(|value| serde_json::from_value::<SessionInfo>(value).ok());
            if let Some(info) = info {
                described.push((raw_id, info));
            }
        }
        Ok(described)
    }

    /// Ends the user's session named `handle` unless it is `keep`. Only the user's own
    /// sessions are searched, so a handle of someone else's session ends nothing.
    pub async fn end_by_handle(
        &self,
        user_id: Uuid,
        handle: Uuid,
        keep: Option<&str>,
    ) -> Result<bool, ServerError> {
        let found = self
            .describe(user_id)
            .await?
            .into_iter()
            .find(|(id, info)| info.handle == handle && Some(id.as_str()) != keep);
        let Some((id, _)) = found else {
            return Ok(false);
        };
        let ended: usize = self.redis.del(&id).await?;
        self.redis.srem::<(), _, _>(key(user_id), &id).await?;
        Ok(ended == 1)
    }

    /// Ends every session of the user except `keep`; returns how many were ended.
    pub async fn end_all(
        &self,
        user_id: Uuid,
        keep: Option<&str>,
    ) -> Result<usize, fred::error::Error> {
        let key = key(user_id);
        let ids: Vec<String> = self.redis.smembers(&key).await?;
        let doomed: Vec<String> = ids
            .into_iter()
            .filter(|id| Some(id.as_str()) != keep)
            .collect();
        if doomed.is_empty() {
            return Ok(0);
        }
        let ended: usize = self.redis.del(doomed.clone()).await?;
        self.redis.srem::<(), _, _>(&key, doomed).await?;
        Ok(ended)
    }
}
