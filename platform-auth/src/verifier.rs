use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use fred::prelude::Pool as RedisPool;
use jsonwebtoken::jwk::JwkSet;
use tokio::sync::{Mutex, RwLock};

use crate::{
    revocation, verify::key_id_of, verify_token, AccessClaims, Expectations, KeySet, Rejection,
};

/// Where the keys are and what the tokens must say.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// The user service's `/.well-known/jwks.json`.
    pub jwks_url: String,
    pub expected: Expectations,
    /// How long fetched keys are used before they are fetched again.
    pub keys_max_age: Duration,
    /// The least time between two fetches: a token naming a key nobody published makes the
    /// verifier look again (the key may be new), but not more often than this.
    pub refetch_interval: Duration,
    /// How long a JWKS fetch may take.
    pub fetch_timeout: Duration,
}

impl VerifierConfig {
    pub fn new(jwks_url: &str, issuer: &str, audience: &str) -> Self {
        Self {
            jwks_url: jwks_url.to_owned(),
            expected: Expectations {
                issuer: issuer.to_owned(),
                audience: audience.to_owned(),
            },
            keys_max_age: Duration::from_secs(300),
            refetch_interval: Duration::from_secs(5),
            fetch_timeout: Duration::from_secs(2),
        }
    }
}

/// Why a token could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The token itself is bad: answer 401 with [`Rejection::code`].
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The keys or the revocation list could not be read: answer 503 and let the caller retry.
    /// (Accepting the token anyway would let a revoked token through during an outage.)
    #[error("the token cannot be checked now: {0}")]
    Unavailable(String),
}

impl VerifyError {
    /// A stable code: a [`Rejection`]'s, or `unavailable`.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Rejected(rejection) => rejection.code(),
            VerifyError::Unavailable(_) => "unavailable",
        }
    }
}

struct Keys {
    set: Arc<KeySet>,
    /// When the keys in `set` were fetched.
    fetched_at: Option<Instant>,
    /// When the JWKS was last asked for, whatever came of it: no two asks come closer than
    /// `refetch_interval`, however many tokens name unknown keys while the JWKS is away.
    attempted_at: Option<Instant>,
}

/// Checks access tokens of the user service: keys from its JWKS (cached), revocations from the
/// platform's Redis. Cheap to share: put it in an `Arc` in your service's state.
pub struct Verifier {
    config: VerifierConfig,
    http: reqwest::Client,
    redis: RedisPool,
    keys: RwLock<Keys>,
    /// One fetch at a time; the others wait for its result.
    fetching: Mutex<()>,
}

impl Verifier {
    /// `redis`: a connected pool on the Redis the user service writes its revocations to.
    pub fn new(config: VerifierConfig, redis: RedisPool) -> Result<Self, VerifyError> {
        let http = reqwest::Client::builder()
            .timeout(config.fetch_timeout)
            .build()
            .map_err(|e| VerifyError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(Self {
            config,
            http,
            redis,
            keys: RwLock::new(Keys {
                set: Arc::new(KeySet::default()),
                fetched_at: None,
                attempted_at: None,
            }),
            fetching: Mutex::new(()),
        })
    }

    /// The token's claims, if it is valid and not revoked.
    pub async fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError> {
        let keys = self.keys_for(token).await?;
        let claims = verify_token(token, &keys, &self.config.expected)?;
        let revoked = revocation::is_revoked(&self.redis, &claims)
            .await
            .map_err(|e| VerifyError::Unavailable(format!("revocation list: {e}")))?;
        if revoked {
            return Err(Rejection::Revoked.into());
        }
        Ok(claims)
    }

    /// The keys to check `token` with: the cached ones while fresh and naming its key; fetched
    /// again when stale, or when the token names a key they lack, at most once every
    /// `refetch_interval` (success or not). A token refused by its header asks for no keys.
    async fn keys_for(&self, token: &str) -> Result<Arc<KeySet>, VerifyError> {
        let kid = key_id_of(token)?;
        {
            let keys = self.keys.read().await;
            if !self.needs_fetch(&keys, kid.as_deref()) {
                return Self::cached(&keys);
            }
        }
        let _fetching = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        {
            let keys = self.keys.read().await;
            if !self.needs_fetch(&keys, kid.as_deref()) {
                return Self::cached(&keys);
            }
        }
        let fetched = self.fetch().await;
        let mut keys = self.keys.write().await;
        keys.attempted_at = Some(Instant::now());
        match fetched {
            Ok(set) => {
                keys.set = Arc::new(set);
                keys.fetched_at = keys.attempted_at;
                Ok(keys.set.clone())
            }
            Err(error) if keys.fetched_at.is_none() => Err(error),
            Err(error) => {
                // Keep the keys we have: a JWKS outage must not refuse every token.
                tracing::warn!(error = %error, "the JWKS could not be fetched; using the keys fetched before");
                Ok(keys.set.clone())
            }
        }
    }

    /// The keys fetched before, if any ever were.
    fn cached(keys: &Keys) -> Result<Arc<KeySet>, VerifyError> {
        match keys.fetched_at {
            Some(_) => Ok(keys.set.clone()),
            None => Err(VerifyError::Unavailable(
                "JWKS: not fetched yet; the next attempt comes shortly".to_owned(),
            )),
        }
    }

    fn needs_fetch(&self, keys: &Keys, kid: Option<&str>) -> bool {
        if keys
            .attempted_at
            .is_some_and(|at| at.elapsed() < self.config.refetch_interval)
        {
            return false;
        }
        let Some(fetched_at) = keys.fetched_at else {
            return true;
        };
        fetched_at.elapsed() >= self.config.keys_max_age
            || kid.is_some_and(|kid| !keys.set.contains(kid))
    }

    async fn fetch(&self) -> Result<KeySet, VerifyError> {
        let unavailable = |e: reqwest::Error| VerifyError::Unavailable(format!("JWKS: {e}"));
        let jwks: JwkSet = self
            .http
            .get(&self.config.jwks_url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        Ok(KeySet::from_jwks(&jwks))
    }
}
