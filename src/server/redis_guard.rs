//! Answers 503 at once while Redis is unreachable, for the requests that need it (any with a
//! session cookie, and every form post), instead of letting each wait out the command timeout.
//! Anonymous page views, the bundle's files and the probes go on: they need no session.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, Method},
    middleware::Next,
    response::Response,
};
use tower_sessions_redis_store::fred::prelude::ClientLike;

use super::{plain_pages::error_response_at, startup::session_cookie_name, state::AppState};
use crate::error::AppError;

pub async fn refuse_while_redis_is_down(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let connected = state.redis.clients().iter().any(|c| c.is_connected());
    if connected || !needs_redis(&request, session_cookie_name(state.cookie_secure)) {
        return next.run(request).await;
    }
    tracing::warn!(
        path = request.uri().path(),
        "Redis is unreachable: answered 503 at once"
    );
    error_response_at(
        request.uri().path(),
        request.headers(),
        AppError::Unavailable,
    )
}

fn needs_redis(request: &Request, cookie_name: &str) -> bool {
    // Files and probes never read a session, cookie or not: the unavailable page keeps its
    // stylesheet, and /readyz says itself which service is down.
    let path = request.uri().path();
    if path.starts_with("/pkg/") || matches!(path, "/healthz" | "/readyz" | "/favicon.svg") {
        return false;
    }
    let has_session = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|cookies| {
            cookies
                .split(';')
                .filter_map(|c| c.trim_start().strip_prefix(cookie_name))
                .any(|rest| rest.starts_with('='))
        });
    has_session || request.method() == Method::POST
}
