//! Sign-in and sign-up attempts per client address, counted in Redis so that every node shares
//! the count (fixed windows: one minute for sign-in, one hour for sign-up). Past the limit the
//! request gets 429 and a Korean page (or, for the hydrated app, the error as JSON).

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Json,
};
use tower_sessions_redis_store::fred::prelude::KeysInterface;

use super::{config::ThrottleSettings, state::AppState};
use crate::error::AppError;

#[derive(Clone)]
pub struct Throttle {
    pub settings: ThrottleSettings,
}

struct Limit {
    name: &'static str,
    per_window: u32,
    window_seconds: i64,
}

impl Throttle {
    fn limit_for(&self, method: &Method, path: &str) -> Option<Limit> {
        if method != Method::POST {
            return None;
        }
        match path {
            "/api/login" => Some(Limit {
                name: "sign_in",
                per_window: self.settings.sign_in_per_minute,
                window_seconds: 60,
            }),
            "/api/signup" => Some(Limit {
                name: "sign_up",
                per_window: self.settings.sign_up_per_hour,
                window_seconds: 3600,
            }),
            _ => None,
        }
    }

    fn client_address(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        if self.settings.trust_forwarded_for {
            let forwarded = headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|first| first.trim().parse().ok());
            if forwarded.is_some() {
                return forwarded;
            }
        }
        peer.map(|p| p.ip())
    }
}

pub async fn throttle_auth_attempts(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(limit) = state
        .throttle
        .limit_for(request.method(), request.uri().path())
    else {
        return next.run(request).await;
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let Some(address) = state.throttle.client_address(request.headers(), peer) else {
        return next.run(request).await;
    };
    let window = chrono::Utc::now().timestamp() / limit.window_seconds;
    let key = format!("throttle:{}:{address}:{window}", limit.name);
    // If Redis is down the request goes on: the session layer will answer 503 anyway.
    let count: i64 = match state.redis.incr(&key).await {
        Ok(count) => count,
        Err(error) => {
            tracing::warn!(error = %error, "throttle count unavailable");
            return next.run(request).await;
        }
    };
    if count == 1 {
        let _ = state
            .redis
            .expire::<(), _>(&key, limit.window_seconds, None)
            .await;
    }
    if count <= i64::from(limit.per_window) {
        return next.run(request).await;
    }
    tracing::warn!(%address, limit = limit.name, count, "throttled");
    too_many_requests(request.headers(), limit.window_seconds)
}

fn too_many_requests(headers: &HeaderMap, retry_after: i64) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let retry = [(header::RETRY_AFTER, retry_after.to_string())];
    if wants_html {
        (
            StatusCode::TOO_MANY_REQUESTS,
            retry,
            Html(TOO_MANY_REQUESTS_PAGE),
        )
            .into_response()
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            retry,
            Json(AppError::TooManyRequests),
        )
            .into_response()
    }
}

/// A page of its own: throttled requests never reach the app's renderer.
const TOO_MANY_REQUESTS_PAGE: &str = r#"<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>잠시 후 다시 시도해 주세요 · 이벤트 마케팅 계정</title><link rel="stylesheet" href="/pkg/user-service.css"></head>
<body><main class="page page-narrow"><section class="card error-card" role="alert">
<p class="error-code">429</p><h1>잠시 후 다시 시도해 주세요</h1>
<p>짧은 시간에 요청이 너무 많았습니다. 잠시 기다린 뒤 다시 시도해 주세요.</p>
<a class="button" href="/login">로그인 화면으로</a></section></main></body></html>"#;
