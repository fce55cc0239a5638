//! Protections every response and request gets, whatever the route:
//! - headers: no MIME sniffing, no framing, no referrer to other sites, HSTS when cookies are
//!   Secure, a Content-Security-Policy (pages set their own, with their nonce:
//!   `components::content_security_policy`; every other answer gets a strict one), and
//!   `Cache-Control: no-store` on everything but the bundle's files, so no signed-in page or
//!   server function answer stays in a shared or back-button cache;
//! - a size limit on request bodies;
//! - state-changing requests from another site are refused (the Origin, or the browser's
//!   Sec-Fetch-Site, says where a request comes from), on top of SameSite cookies;
//! - every 401 and 403 answer is logged with who asked (when known), for what, from where.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{
    client::client_address,
    service_api::{is_api_path, ApiError},
    session::RequestUser,
    state::AppState,
};

/// Forms here are a few kilobytes; nothing legitimate is larger.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub const CROSS_SITE_REFUSED: &str =
    "다른 사이트에서 보낸 요청은 처리할 수 없습니다. 이 서비스의 화면에서 다시 시도해 주세요.";

/// Refuses a POST (or any other state-changing method) that another site sent.
pub async fn refuse_cross_site_requests(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers()) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            path = %request.uri().path(),
            "refused a cross-site request"
        );
        if is_api_path(request.uri().path()) {
            return ApiError::CrossSite.into_response();
        }
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            CROSS_SITE_REFUSED,
        )
            .into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none" is a user typing the address or a bookmark; "same-site" a sibling subdomain,
        // which the Origin check below still judges.
        if site == "cross-site" {
            return true;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // No Origin: not a browser's cross-site form post (browsers send it on every POST).
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin.to_str().ok().and_then(origin_host), host) {
        (Some(origin_host), Some(host)) => !origin_host.eq_ignore_ascii_case(host),
        // `Origin: null` (sandboxed frames, some redirects) or unreadable: refuse.
        _ => true,
    }
}

/// `host[:port]` of an Origin such as `https://example.com:8443`.
fn origin_host(origin: &str) -> Option<&str> {
    let (scheme, rest) = origin.split_once("://")?;
    matches!(scheme, "http" | "https").then_some(rest.trim_end_matches('/'))
}

/// Gives each request its [`RequestUser`] (who it is from, worked out once), and logs the
/// answers that refuse it: 401 and 403, with the user when one was signed in.
pub async fn watch_request(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_user = RequestUser::default();
    request.extensions_mut().insert(request_user.clone());
    // Cheap: the method and URI share their buffers, the address is parsed, nothing allocated.
    let method = request.method().clone();
    let uri = request.uri().clone();
    let address = client_address(
        request.headers(),
        request.extensions(),
        state.throttle.settings.trust_forwarded_for,
    );
    let response = next.run(request).await;
    let status = response.status();
    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
        let path = uri.path();
        let user = request_user.known().flatten();
        tracing::warn!(
            status = status.as_u16(),
            %method,
            path,
            user_id = user.as_ref().map(|u| u.id.to_string()),
            role = user.as_ref().map(|u| u.role.as_str()),
            address = ?address,
            "request refused"
        );
    }
    response
}

/// The policy of every answer that is not a page (error pages, JSON, CSV, files): nothing may
/// run, only this site's stylesheet and images load, and nobody may frame it.
const STRICT_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The bundle's files, the icon and the public keys may be cached; everything else is personal
/// or changes.
fn is_cacheable(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/.well-known/jwks.json"
}

/// Adds the headers every answer carries, where a handler has not set its own.
pub async fn add_headers(
    State(headers): State<Arc<[(header::HeaderName, HeaderValue)]>>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable = is_cacheable(request.uri().path());
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    for (name, value) in headers.iter() {
        out.entry(name).or_insert_with(|| value.clone());
    }
    out.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(STRICT_CSP));
    if !cacheable {
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The headers set on every response (when a handler has not set them already).
pub fn static_headers(hsts: bool) -> Vec<(header::HeaderName, HeaderValue)> {
    let mut headers = vec![
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
        ),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ];
    if hsts {
        headers.push((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    header::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn same_origin_and_origin_less_requests_pass() {
        assert!(!is_cross_site(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!is_cross_site(&headers(&[("host", "127.0.0.1:3000")])));
        assert!(!is_cross_site(&headers(&[
            ("host", "a.kr"),
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://a.kr")
        ])));
    }

    #[test]
    fn other_sites_and_null_origins_are_refused() {
        assert!(is_cross_site(&headers(&[
            ("host", "a.kr"),
            ("origin", "https://evil.example")
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "a.kr"),
            ("origin", "null")
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "a.kr"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(is_cross_site(&headers(&[
            ("host", "a.kr:3000"),
            ("origin", "https://a.kr")
        ])));
    }
}
