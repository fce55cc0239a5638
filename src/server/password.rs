//! bcrypt hashing and verification, off the async runtime on low-priority threads of their own
//! (one per core): a storm of sign-ins queues there instead of starving other requests.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::{error::ServerError, hashing_pool::HashingPool};
use crate::domain::Password;

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    pool: HashingPool,
    /// Verified against when the e-mail is unknown, so that case takes as long as a wrong
    /// password and reveals nothing.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub async fn new(cost: u32) -> Result<Self, ServerError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let pool = HashingPool::start(cores)?;
        let dummy_hash = pool
            .run(move || bcrypt::hash("no account has this password: it only costs time", cost))
            .await??;
        Ok(Self {
            cost,
            pool,
            dummy_hash: dummy_hash.into(),
        })
    }

    pub async fn hash(&self, password: &Password) -> Result<String, ServerError> {
        self.hash_checked(SecretString::from(password.expose()))
            .await
    }

    /// Hashes a password that has just matched its account's hash (see [`Self::is_outdated`]):
    /// what the owner typed, whatever rules it was set under.
    pub async fn hash_checked(&self, password: SecretString) -> Result<String, ServerError> {
        let cost = self.cost;
        // At most 72 bytes, all of which bcrypt reads: `Password` allows no more, and `verify`
        // matches no more. (The crate's non-truncating variant refuses exactly 72, counting
        // the terminator it appends.)
        let hash = self
            .pool
            .run(move || bcrypt::hash(password.expose_secret(), cost))
            .await??;
        Ok(hash)
    }

    /// Whether `hash` was made at a lower cost than new hashes are (`BCRYPT_COST` was raised
    /// since): checking it takes less time than refusing an unknown address (against the dummy
    /// hash) does, and it is weaker than the operator asked for.
    pub fn is_outdated(&self, hash: &str) -> bool {
        hash.parse::<bcrypt::HashParts>()
            .is_ok_and(|parts| parts.get_cost() < self.cost)
    }

    /// True only when `hash` exists and `password` matches it. Does the same work whether or
    /// not there is a hash and whatever the password's length.
    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> Result<bool, ServerError> {
        // No hash, or one no password matches (a withdrawn account's): check the dummy.
        let hash = hash.filter(|h| h.starts_with("$2"));
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self
            .pool
            .run(move || {
                let password = password.expose_secret().as_bytes();
                if password.len() > Password::MAX_BYTES {
                    // Longer than any password can be: never a match, but spend the same time.
                    let _ = bcrypt::verify(&password[..Password::MAX_BYTES], &hash);
                    return Ok(false);
                }
                bcrypt::verify(password, &hash)
            })
            .await??;
        Ok(known && matches)
    }
}
