//! Tokens for the platform's other services, so that they can trust who is calling without
//! asking this service each time.
//!
//! - An access token is a JWT signed with Ed25519 (`keys`), valid for ten minutes, with the
//!   claims of `platform_auth::AccessClaims`. It is never stored.
//! - A refresh token is opaque, stored as a digest, and replaced at every use (`families`); a
//!   replaced one used again ends its whole family.
//! - Revocation (`revocation`) reaches every service at once through the list in Redis that
//!   `platform_auth` reads; this module hooks into the doors every sign-out goes through.
//! - The HTTP side is `server::service_api`.

pub mod families;
pub mod grants;
pub mod keys;
pub mod revocation;
pub mod service_credentials;

use std::sync::Arc;

use platform_auth::{verify_token, AccessClaims, Expectations, Rejection};

use self::{
    families::Lifetimes, keys::SigningKeys, revocation::TokenRevocation,
    service_credentials::ServiceCredentials,
};
use super::{
    config::{SessionSettings, TokenSettings},
    error::ServerError,
};

/// Everything token handling needs. Cheap to clone.
#[derive(Clone)]
pub struct Tokens {
    pub keys: Arc<SigningKeys>,
    pub expected: Arc<Expectations>,
    pub service_credentials: Arc<ServiceCredentials>,
    pub revocation: TokenRevocation,
    pub lifetimes: Lifetimes,
}

impl Tokens {
    pub fn new(
        settings: TokenSettings,
        session: SessionSettings,
        revocation: TokenRevocation,
    ) -> Self {
        Self {
            keys: Arc::new(settings.keys),
            expected: Arc::new(Expectations {
                issuer: settings.issuer,
                audience: settings.audience,
            }),
            service_credentials: Arc::new(settings.service_credentials),
            revocation,
            lifetimes: Lifetimes {
                owner_idle: session.owner_idle,
                admin_idle: session.admin_idle,
                absolute: session.absolute,
            },
        }
    }

    /// An access token's claims if it is valid and not revoked, or why not: the same checks
    /// as every other service makes with `platform_auth`.
    pub async fn check(&self, token: &str) -> Result<Result<AccessClaims, Rejection>, ServerError> {
        let claims = match verify_token(token, self.keys.verifying(), &self.expected) {
            Ok(claims) => claims,
            Err(rejection) => return Ok(Err(rejection)),
        };
        if self.revocation.is_revoked(&claims).await? {
            return Ok(Err(Rejection::Revoked));
        }
        Ok(Ok(claims))
    }
}
