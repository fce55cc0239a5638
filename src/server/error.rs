//! Server-side failures, with their full cause chain for the logs, and the one place where they
//! become what a user reads (`From<ServerError> for AppError`).

use std::fmt;

use crate::error::AppError;

#[derive(thiserror::Error)]
pub enum ServerError {
    #[error("a database query failed")]
    Database(#[from] sqlx::Error),
    #[error("the session store failed")]
    Session(#[from] tower_sessions::session::Error),
    #[error("the session store failed")]
    SessionStore(#[from] tower_sessions::session_store::Error),
    #[error("a Redis command failed")]
    Redis(#[from] tower_sessions_redis_store::fred::error::Error),
    #[error("password hashing failed")]
    Hashing(#[from] bcrypt::BcryptError),
    #[error("password hashing is unavailable: {0}")]
    HashingUnavailable(String),
    #[error("too many passwords are waiting to be hashed")]
    HashingBusy,
    #[error("the request context has no {0}")]
    MissingContext(&'static str),
    #[error("could not read the request: {0}")]
    Extract(String),
    #[error("an access token could not be signed: {0}")]
    Signing(String),
}

impl ServerError {
    /// True when a backing service (PostgreSQL or Redis) is unreachable or overloaded: the
    /// user is told to retry later, and the app recovers by itself when it returns.
    pub fn is_outage(&self) -> bool {
        match self {
            ServerError::Database(e) => matches!(
                e,
                sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Io(_)
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::WorkerCrashed
            ),
            ServerError::Session(tower_sessions::session::Error::Store(
                tower_sessions::session_store::Error::Backend(_),
            )) => true,
            ServerError::SessionStore(tower_sessions::session_store::Error::Backend(_)) => true,
            ServerError::HashingBusy => true,
            ServerError::Redis(e) => {
                use tower_sessions_redis_store::fred::error::ErrorKind;
                matches!(
                    e.kind(),
                    ErrorKind::IO | ErrorKind::Timeout | ErrorKind::Canceled
                )
            }
            _ => false,
        }
    }
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        error_chain_fmt(self, f)
    }
}

/// Writes an error and every `Caused by:` below it.
pub fn error_chain_fmt(e: &dyn std::error::Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(f, "{e}")?;
    let mut current = e.source();
    while let Some(cause) = current {
        writeln!(f, "Caused by:\n\t{cause}")?;
        current = cause.source();
    }
    Ok(())
}

impl From<ServerError> for AppError {
    fn from(error: ServerError) -> Self {
        if error.is_outage() {
            tracing::warn!(error = ?error, "a backing service is unavailable");
            AppError::Unavailable
        } else {
            tracing::error!(error = ?error, "request failed");
            AppError::Internal
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        ServerError::from(error).into()
    }
}

impl From<tower_sessions_redis_store::fred::error::Error> for AppError {
    fn from(error: tower_sessions_redis_store::fred::error::Error) -> Self {
        ServerError::from(error).into()
    }
}
