//! Error answers made outside the app's renderer: throttled requests, requests that took too
//! long, and empty 500s from the layers (a panic caught, a session that could not be saved
//! while Redis was down). A browser gets a small Korean page, the hydrated app its error as
//! JSON, like any server function's error, and the JSON API (`/api/v1`) its own error shape.

use axum::{
    body::HttpBody as _,
    extract::Request,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{Html, IntoResponse, Response},
    Json,
};

use super::service_api::{is_api_path, ApiError};
use crate::error::AppError;

/// The answer to a request that wants `headers`' content type.
pub fn error_response(headers: &HeaderMap, error: AppError) -> Response {
    error_response_as(wants_html(headers), error)
}

/// The same for a request to `path`: the JSON API's own shape there.
pub fn error_response_at(path: &str, headers: &HeaderMap, error: AppError) -> Response {
    if is_api_path(path) {
        ApiError::from_app_error(&error).into_response()
    } else {
        error_response(headers, error)
    }
}

fn error_response_as(html: bool, error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if html {
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

/// What a panic in a handler becomes: logged with its message, and answered with a bodiless
/// 500, which [`explain_empty_errors`] turns into the "temporarily unavailable" page. (The
/// default answer, a plain "Service panicked", would slip past it.)
pub fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// Turns a bodiless error from the layers below into a page that says what happened: a 500,
/// 503 or 408 into "temporarily unavailable", a 404 (a missing file of the bundle) into "not
/// found". A blank page or an undecodable reply would help nobody.
pub async fn explain_empty_errors(request: Request, next: Next) -> Response {
    let html = wants_html(request.headers());
    let api = is_api_path(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if response.body().size_hint().exact() != Some(0) {
        return response;
    }
    let error = match status {
        StatusCode::INTERNAL_SERVER_ERROR
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::REQUEST_TIMEOUT => AppError::Unavailable,
        StatusCode::NOT_FOUND if api => return ApiError::NotFound.into_response(),
        StatusCode::NOT_FOUND => return error_response_as(html, AppError::NotFound),
        _ => return response,
    };
    tracing::warn!(%status, "an empty error answer was replaced by the unavailable page");
    if api {
        return ApiError::Unavailable.into_response();
    }
    let mut replaced = error_response_as(html, error);
    replaced
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    replaced
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, routing::get, Router};
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    use super::*;

    async fn buggy_handler() -> &'static str {
        panic!("a bug")
    }

    #[tokio::test]
    async fn a_panic_becomes_the_unavailable_page() {
        let app = Router::new()
            .route("/buggy", get(buggy_handler))
            .layer(CatchPanicLayer::custom(answer_panic))
            .layer(axum::middleware::from_fn(explain_empty_errors));
        let request = Request::builder()
            .uri("/buggy")
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap();

        let response = app.oneshot(request).await.unwrap();

        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let page = String::from_utf8(body.to_vec()).unwrap();
        assert!(page.contains("일시적으로 이용할 수 없습니다"), "{page}");
        assert!(!page.contains("a bug"));
    }
}
