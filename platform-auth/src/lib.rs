//! What another service of the platform needs to trust a caller of the user service's making:
//! the access token's claims, the checks every verifier makes, and the revocation list.
//!
//! The user service issues short-lived access tokens (JWTs signed with Ed25519, `alg` EdDSA)
//! and publishes its public keys at `/.well-known/jwks.json`. A service that receives a token
//! in `Authorization: Bearer …` checks it with a [`Verifier`]:
//!
//! ```no_run
//! # async fn example(redis: fred::prelude::Pool) -> Result<(), Box<dyn std::error::Error>> {
//! use platform_auth::{Verifier, VerifierConfig};
//!
//! let verifier = Verifier::new(
//!     VerifierConfig::new("https://accounts.example.kr/.well-known/jwks.json", "user-service", "event-platform"),
//!     redis, // the platform's Redis, where the user service keeps its revocation list
//! )?;
//! let token = "eyJ…";
//! match verifier.verify(token).await {
//!     Ok(claims) => println!("user {} ({:?}) in session {}", claims.sub, claims.role, claims.sid),
//!     Err(error) => println!("refused: {}", error.code()),
//! }
//! # Ok(()) }
//! ```
//!
//! It checks, in order: the token's shape, the algorithm (EdDSA only: `none`, HMAC and
//! everything else is refused before any key is looked at), the key id against the JWKS
//! (fetched over HTTP and cached; an unknown key id fetches it again, at most every few
//! seconds), the signature, the issuer, the audience and the expiry, and last the revocation
//! list in Redis (one round trip): logout, password changes, locks, demotions and withdrawals
//! reach the verifier at once, without waiting for the token to expire.
//!
//! Without the `jwks-fetch` feature, [`verify_token`] and [`revocation`] do the same checks
//! against keys the caller already has (the user service itself uses them that way).

mod claims;
mod keys;
mod rejection;
pub mod revocation;
#[cfg(feature = "jwks-fetch")]
mod verifier;
mod verify;

pub use claims::{AccessClaims, Role, TOKEN_TYPE};
pub use keys::{public_jwk, KeyError, KeySet};
pub use rejection::Rejection;
#[cfg(feature = "jwks-fetch")]
pub use verifier::{Verifier, VerifierConfig, VerifyError};
pub use verify::{verify_token, Expectations, ALGORITHM, LEEWAY_SECONDS};
