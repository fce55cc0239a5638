use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use tower_sessions_redis_store::fred::prelude::Pool as RedisPool;

use super::{
    access::AccessVersions, mail::Mailer, password::PasswordHasher, session::SessionPolicy,
    session_registry::SessionRegistry, throttle::Throttle, tokens::Tokens,
};

/// What every request handler and server function can reach. Cheap to clone: each field is a
/// handle. Holds no per-user data, so any node can serve any request.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub redis: RedisPool,
    pub hasher: PasswordHasher,
    pub sessions: SessionRegistry,
    pub access: AccessVersions,
    pub session_policy: SessionPolicy,
    pub throttle: Throttle,
    /// Access and refresh tokens for the platform's other services.
    pub tokens: Tokens,
    /// Whether cookies are `Secure` (and so `__Host-` prefixed): HTTPS everywhere but
    /// plain-http development on localhost.
    pub cookie_secure: bool,
    /// Sends what the outbox worker hands it.
    pub mailer: Mailer,
    /// The address people reach the service at, for links in e-mails (no trailing slash).
    pub public_url: String,
}
