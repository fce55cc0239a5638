//! Which sessions each user has, so that all of them can be ended at once: after a password
//! change, a withdrawal, or (later) an admin taking access away.
//!
//! tower-sessions keys a session by its id only (`{id}` -> record); this keeps a Redis set
//! `user_sessions:{user_id}` of those ids beside it. Deleting a session's key ends it at once
//! on every node. The set has no expiry of its own (a session can outlive any fixed TTL given
//! to it); ids of sessions that expired by themselves are pruned whenever it is written or read.

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
}

fn key(user_id: Uuid) -> String {
    format!("user_sessions:{user_id}")
}

impl SessionRegistry {
    pub fn new(redis: RedisPool) -> Self {
        Self { redis }
    }

    pub async fn register(
        &self,
        user_id: Uuid,
        session_id: &str,
    ) -> Result<(), fred::error::Error> {
        self.redis
            .sadd::<(), _, _>(key(user_id), session_id)
            .await?;
        self.open_sessions(user_id).await.map(|_| ())
    }

    /// The ids of the user's sessions that are still alive.
    pub async fn open_sessions(&self, user_id: Uuid) -> Result<Vec<String>, fred::error::Error> {
        let key = key(user_id);
        let ids: Vec<String> = self.redis.smembers(&key).await?;
        let mut open = Vec::with_capacity(ids.len());
        let mut expired = Vec::new();
        for id in ids {
            if self.redis.exists::<u32, _>(&id).await? == 1 {
                open.push(id);
            } else {
                expired.push(id);
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
