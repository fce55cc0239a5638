//! Reading API requests at the edge: a body that is a form or JSON, a bearer token, and the
//! calling service's credential. Everything past these sees parsed values or an `ApiError`.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts, HeaderMap, StatusCode},
};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::server::state::AppState;

/// A body sent as `application/x-www-form-urlencoded` (what OAuth clients send) or as
/// `application/json`.
pub struct ApiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiForm<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge
                } else {
                    ApiError::InvalidRequest("the request body could not be read")
                }
            })?;
        match content_type.as_str() {
            "application/x-www-form-urlencoded" => serde_urlencoded::from_bytes(&bytes)
                .map(ApiForm)
                .map_err(|_| {
                    ApiError::InvalidRequest(
                        "the form has a missing, repeated or malformed parameter",
                    )
                }),
            "application/json" => serde_json::from_slice(&bytes).map(ApiForm).map_err(|_| {
                ApiError::InvalidRequest("the JSON body has a missing, repeated or malformed field")
            }),
            _ => Err(ApiError::InvalidRequest(
                "send application/x-www-form-urlencoded or application/json",
            )),
        }
    }
}

/// The credential of `Authorization: Bearer <credential>`, if the request has exactly one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    let value = value.to_str().ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    let credential = credential.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !credential.is_empty()).then_some(credential)
}

/// A request from one of the platform's services, by the name its credential has in
/// `SERVICE_CREDENTIALS`.
pub struct ServiceCaller(pub String);

impl FromRequestParts<AppState> for ServiceCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let name = bearer(&parts.headers)
            .and_then(|secret| state.tokens.service_credentials.authenticate(secret))
            .ok_or(ApiError::InvalidClient)?;
        Ok(ServiceCaller(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_static(v));
        }
        headers
    }

    #[test]
    fn one_bearer_credential_is_read_and_anything_else_is_not() {
        assert_eq!(bearer(&headers(&["Bearer abc"])), Some("abc"));
        assert_eq!(bearer(&headers(&["bearer  abc "])), Some("abc"));
        assert_eq!(bearer(&headers(&["Basic abc"])), None);
        assert_eq!(bearer(&headers(&["Bearer "])), None);
        assert_eq!(bearer(&headers(&["Bearer a", "Bearer b"])), None);
        assert_eq!(bearer(&headers(&[])), None);
    }
}
