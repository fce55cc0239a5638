//! The OpenAPI 3.1 document of the JSON API, generated from the handlers and types above
//! (utoipa): `GET /api/v1/openapi.json`.

use axum::{extract::State, response::IntoResponse, Json};
use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme},
    Modify, OpenApi,
};

use super::{error::ErrorBody, introspection, tokens, users};
use crate::server::{startup::session_cookie_name, state::AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "user-service API",
        description = "Tokens for the event-marketing platform's other services and apps: \
            short-lived access JWTs (Ed25519), rotating refresh tokens, the JWKS, introspection \
            and user look-up. Errors are `{\"error\", \"error_description\", \"reason\"}`.",
        version = "1"
    ),
    paths(
        tokens::issue,
        tokens::revoke,
        tokens::jwks,
        introspection::introspect,
        users::user,
        users::me,
        openapi_json,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "tokens", description = "Getting, refreshing, revoking and checking tokens"),
        (name = "services", description = "For the platform's services (service credential)"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut access = Http::new(HttpAuthScheme::Bearer);
        access.bearer_format = Some("JWT".to_owned());
        access.description = Some("An access token from POST /api/v1/tokens".to_owned());
        components.add_security_scheme("access_token", SecurityScheme::Http(access));
        let mut service = Http::new(HttpAuthScheme::Bearer);
        service.description = Some("A service's secret from SERVICE_CREDENTIALS".to_owned());
        components.add_security_scheme("service_credential", SecurityScheme::Http(service));
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                session_cookie_name(true),
                "The browser's session (`user_service_session` over plain-http development)",
            ))),
        );
    }
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "tokens",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")),
    security(()),
)]
pub async fn openapi_json(State(_state): State<AppState>) -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
