//! Error answers made outside the app's renderer: throttled requests, requests that took too
//! long, and empty 500s from the layers (a panic caught, a session that could not be saved
//! while Redis was down). A browser gets a small Korean page, the hydrated app its error as
//! JSON, like any server function's error.

use axum::{
    body::HttpBody as _,
    extract::Request,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Json,
};

use crate::error::AppError;

/// The answer to a request that wants `headers`' content type.
pub fn error_response(headers: &HeaderMap, error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if wants_html(headers) {
        (status, Html(page(&error))).into_response()
    } else {
        (status, Json(error)).into_response()
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn page(error: &AppError) -> String {
    let title = error.title();
    format!(
        r#"<!DOCTYPE html>
<html lang="ko"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 이벤트 마케팅 계정</title><link rel="stylesheet" href="/pkg/user-service.css"></head>
<body><main class="page page-narrow"><section class="card error-card" role="alert">
<p class="error-code">{code}</p><h1>{title}</h1><p>{message}</p>
<a class="button" href="">다시 시도</a></section></main></body></html>"#,
        code = error.status_code(),
        message = error,
    )
}

/// Turns a bodiless 500, 503 or 408 from the layers below into the "temporarily unavailable"
/// answer: a blank page or an undecodable reply would help nobody.
pub async fn explain_empty_errors(request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let response = next.run(request).await;
    let status = response.status();
    let bodiless = response.body().size_hint().exact() == Some(0);
    let failed = status == StatusCode::INTERNAL_SERVER_ERROR
        || status == StatusCode::SERVICE_UNAVAILABLE
        || status == StatusCode::REQUEST_TIMEOUT;
    if !(failed && bodiless) {
        return response;
    }
    tracing::warn!(%status, "an empty error answer was replaced by the unavailable page");
    let mut replaced = error_response(&headers, AppError::Unavailable);
    replaced
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    replaced
}
