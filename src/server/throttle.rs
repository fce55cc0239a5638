//! Sign-in and sign-up attempts per client address, counted in Redis so that every node shares
//! the count (fixed windows: one minute for sign-in, one hour for sign-up). Past the limit the
//! request gets 429 and a Korean page (or, for the hydrated app, the error as JSON). An app's
//! sign-in for tokens (`POST /api/v1/tokens` with a password) counts as a sign-in: its handler
//! asks [`allow_sign_in`], since only it knows which grant a request is.

use std::sync::Arc;

use super::{
    client::Client, config::ThrottleSettings, plain_pages::error_response, state::AppState,
    window_counter,
};
use crate::error::AppError;
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method},
    middleware::Next,
    response::Response,
};

#[derive(Clone)]
pub struct Throttle {
    pub settings: ThrottleSettings,
}

struct Limit {
    name: &'static str,
    per_window: u32,
    window_seconds: i64,
}

/// How long a client past the sign-in limit waits, in seconds.
pub const SIGN_IN_WINDOW_SECONDS: i64 = 60;

impl Throttle {
    fn sign_in(&self) -> Limit {
        Limit {
            name: "sign_in",
            per_window: self.settings.sign_in_per_minute,
            window_seconds: SIGN_IN_WINDOW_SECONDS,
        }
    }

    fn limit_for(&self, method: &Method, path: &str) -> Option<Limit> {
        if method != Method::POST {
            return None;
        }
        match path {
            "/api/login" => Some(self.sign_in()),
            "/api/signup" => Some(Limit {
                name: "sign_up",
                per_window: self.settings.sign_up_per_hour,
                window_seconds: 3600,
            }),
            _ => None,
        }
    }
}

pub async fn throttle_auth_attempts(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limit) = state
        .throttle
        .limit_for(request.method(), request.uri().path())
    else {
        return next.run(request).await;
    };
    let client = Client::from_request(
        request.headers(),
        request.extensions(),
        state.throttle.settings.trust_forwarded_for,
    );
    if allows(&state, &limit, &client).await {
        return next.run(request).await;
    }
    too_many_requests(request.headers(), limit.window_seconds)
}

/// Counts a sign-in attempt from `client` that is not a form post to `/api/login`; false once
/// the address is past the limit.
pub async fn allow_sign_in(state: &AppState, client: &Client) -> bool {
    allows(state, &state.throttle.sign_in(), client).await
}

/// Counts one attempt; false once the address is past the limit.
async fn allows(state: &AppState, limit: &Limit, client: &Client) -> bool {
    let Some(address) = client.address else {
        return true;
    };
    let name = format!("throttle:{}", limit.name);
    let subject = client.rate_limit_key();
    // If Redis is down the request goes on: the session layer will answer 503 anyway.
    let count =
        match window_counter::count_in_window(&state.redis, &name, &subject, limit.window_seconds)
            .await
        {
            Ok(count) => count,
            Err(error) => {
                tracing::warn!(error = %error, "throttle count unavailable");
                return true;
            }
        };
    if count <= i64::from(limit.per_window) {
        return true;
    }
    tracing::warn!(%address, limit = limit.name, count, "throttled");
    false
}

fn too_many_requests(headers: &HeaderMap, retry_after: i64) -> Response {
    let mut response = error_response(headers, AppError::TooManyRequests);
    if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
