//! The one error shape of the JSON API, whatever went wrong and wherever it was noticed:
//! `{"error": "<OAuth-style code>", "error_description": "<English sentence>", "reason":
//! "<finer code>"}` (`reason` only where a credential or token was refused). The codes are
//! stable; the sentences may change.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use platform_auth::Rejection;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::AppError,
    server::{
        error::ServerError,
        throttle::SIGN_IN_WINDOW_SECONDS,
        tokens::grants::{GrantError, GrantRefusal},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is missing a parameter, repeats one, or is not a form or JSON.
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("the request body is too large")]
    BodyTooLarge,
    #[error("grant_type must be session, password or refresh_token")]
    UnsupportedGrantType,
    /// A grant was refused (password, session or refresh token).
    #[error(transparent)]
    InvalidGrant(GrantRefusal),
    /// The access token presented was refused.
    #[error(transparent)]
    InvalidToken(Rejection),
    #[error("an access token is required: Authorization: Bearer <token>")]
    MissingToken,
    /// No service credential, or an unknown one.
    #[error("a service credential is required: Authorization: Bearer <secret>")]
    InvalidClient,
    #[error("no user has this id")]
    UserNotFound,
    #[error("no such endpoint")]
    NotFound,
    #[error("this endpoint does not take this method")]
    MethodNotAllowed,
    #[error("requests from another site are refused")]
    CrossSite,
    #[error("too many sign-in attempts from this address; try again in a minute")]
    TooManyRequests,
    #[error("a backing service is unavailable; try again shortly")]
    Unavailable,
    #[error("the request could not be handled")]
    Internal,
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// `invalid_request`, `unsupported_grant_type`, `invalid_grant`, `invalid_token`,
    /// `invalid_client`, `not_found`, `method_not_allowed`, `access_denied`,
    /// `too_many_requests`, `temporarily_unavailable` or `server_error`.
    #[schema(example = "invalid_grant")]
    pub error: &'static str,
    /// What went wrong, in English.
    pub error_description: String,
    /// Why a grant or token was refused, for `invalid_grant` and `invalid_token`: a grant's
    /// `invalid_credentials`, `no_session`, `refresh_token_malformed`, `refresh_token_unknown`,
    /// `refresh_token_reused`, `refresh_token_expired`, `refresh_token_revoked`,
    /// `access_revoked`, `password_change_required`; a token's `missing`, `malformed`, `unsupported_algorithm`,
    /// `unknown_key`, `bad_signature`, `expired`, `not_yet_valid`, `wrong_issuer`,
    /// `wrong_audience`, `revoked`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "refresh_token_reused")]
    pub reason: Option<&'static str>,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidRequest(_) | ApiError::UnsupportedGrantType => StatusCode::BAD_REQUEST,
            ApiError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            // RFC 6749 answers a refused grant with 400; here every refused credential,
            // password, session or token, is a 401 with its reason.
            ApiError::InvalidGrant(_)
            | ApiError::InvalidToken(_)
            | ApiError::MissingToken
            | ApiError::InvalidClient => StatusCode::UNAUTHORIZED,
            ApiError::UserNotFound | ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::CrossSite => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) | ApiError::BodyTooLarge => "invalid_request",
            ApiError::UnsupportedGrantType => "unsupported_grant_type",
            ApiError::InvalidGrant(_) => "invalid_grant",
            ApiError::InvalidToken(_) | ApiError::MissingToken => "invalid_token",
            ApiError::InvalidClient => "invalid_client",
            ApiError::UserNotFound | ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::CrossSite => "access_denied",
            ApiError::TooManyRequests => "too_many_requests",
            ApiError::Unavailable => "temporarily_unavailable",
            ApiError::Internal => "server_error",
        }
    }

    pub fn reason(&self) -> Option<&'static str> {
        match self {
            ApiError::InvalidGrant(refusal) => Some(refusal.code()),
            ApiError::InvalidToken(rejection) => Some(rejection.code()),
            ApiError::MissingToken => Some("missing"),
            _ => None,
        }
    }

    /// The API's version of an error the shared layers answer (throttle, Redis down, a
    /// timeout, a caught panic, a missing route).
    pub fn from_app_error(error: &AppError) -> Self {
        match error {
            AppError::TooManyRequests => ApiError::TooManyRequests,
            AppError::Unavailable => ApiError::Unavailable,
            AppError::NotFound => ApiError::NotFound,
            AppError::Forbidden => ApiError::CrossSite,
            _ => ApiError::Internal,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code(),
            error_description: self.to_string(),
            reason: self.reason(),
        };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::InvalidToken(_) | ApiError::MissingToken => {
                // RFC 6750 3: the scheme and, when a token was sent, what was wrong with it.
                let challenge = match self.reason() {
                    Some("missing") | None => "Bearer realm=\"user-service\"".to_owned(),
                    Some(reason) => format!(
                        "Bearer realm=\"user-service\", error=\"invalid_token\", error_description=\"{reason}\""
                    ),
                };
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    headers.insert(header::WWW_AUTHENTICATE, value);
                }
            }
            ApiError::InvalidClient => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"user-service\""),
                );
            }
            ApiError::TooManyRequests => {
                if let Ok(value) = HeaderValue::from_str(&SIGN_IN_WINDOW_SECONDS.to_string()) {
                    headers.insert(header::RETRY_AFTER, value);
                }
            }
            ApiError::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}

impl From<ServerError> for ApiError {
    fn from(error: ServerError) -> Self {
        if error.is_outage() {
            tracing::warn!(error = ?error, "a backing service is unavailable");
            ApiError::Unavailable
        } else {
            tracing::error!(error = ?error, "request failed");
            ApiError::Internal
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ServerError::from(error).into()
    }
}

impl From<GrantError> for ApiError {
    fn from(error: GrantError) -> Self {
        match error {
            GrantError::Refused(refusal) => ApiError::InvalidGrant(refusal),
            GrantError::Server(error) => error.into(),
        }
    }
}
