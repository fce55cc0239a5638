//! Gives server function errors their real HTTP status.
//!
//! A server function that fails *before* its body runs (a missing, repeated or mistyped
//! argument) is answered by leptos with status 500, whatever the error. Its body is our
//! `AppError` as JSON, which knows its status (400 for malformed input), so this layer puts
//! that status on the response. Errors from a body already carry theirs (`context::respond`).

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::Response,
};

use crate::error::AppError;

/// Larger error bodies are not ours; they pass through untouched.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn correct_server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Some(status) = serde_json::from_slice::<AppError>(&bytes)
        .ok()
        .and_then(|error| StatusCode::from_u16(error.status_code()).ok())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
