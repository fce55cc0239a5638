//! `POST /api/v1/introspect` (RFC 7662): whether an access token is active, for the services
//! that would rather ask than verify themselves. Only services with a credential may ask.

use axum::{extract::State, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{ApiForm, ServiceCaller},
    ErrorBody,
};
use crate::server::state::AppState;

#[derive(Deserialize, ToSchema)]
pub struct IntrospectionRequest {
    /// An access token.
    token: String,
    /// Ignored: only access tokens are introspected.
    #[serde(default)]
    #[allow(dead_code)]
    token_type_hint: Option<String>,
}

/// RFC 7662 2.2. An inactive token gets `{"active": false}` and nothing else, whatever was
/// wrong with it.
#[derive(Serialize, ToSchema, Default)]
pub struct IntrospectionResponse {
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "Bearer")]
    token_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<Uuid>,
    /// `OWNER` or `ADMIN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jti: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

/// Whether an access token is active: valid, unexpired and not revoked.
///
/// Answers from the same checks and the same revocation list as `platform-auth`.
#[utoipa::path(
    post,
    path = "/api/v1/introspect",
    tag = "services",
    request_body(content(
        (IntrospectionRequest = "application/x-www-form-urlencoded"),
        (IntrospectionRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "The token's state", body = IntrospectionResponse),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 401, description = "`invalid_client`: no or a wrong service credential", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`", body = ErrorBody),
    ),
    security(("service_credential" = [])),
)]
pub async fn introspect(
    State(state): State<AppState>,
    ServiceCaller(service): ServiceCaller,
    ApiForm(request): ApiForm<IntrospectionRequest>,
) -> Result<Json<IntrospectionResponse>, ApiError> {
    let answer = match state.tokens.check(&request.token).await? {
        Ok(claims) => IntrospectionResponse {
            active: true,
            token_type: Some("Bearer"),
            sub: Some(claims.sub),
            role: Some(claims.role.as_str()),
            email: Some(claims.email),
            sid: Some(claims.sid),
            jti: Some(claims.jti),
            iat: Some(claims.iat),
            exp: Some(claims.exp),
            iss: Some(claims.iss),
            aud: Some(claims.aud),
        },
        Err(rejection) => {
            tracing::info!(
                service,
                reason = rejection.code(),
                "introspection: inactive token"
            );
            IntrospectionResponse::default()
        }
    };
    Ok(Json(answer))
}
