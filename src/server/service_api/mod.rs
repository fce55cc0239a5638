//! The JSON API under `/api/v1` (and the JWKS at `/.well-known/jwks.json`) for the platform's
//! other services and apps: tokens (`server::tokens`), introspection, user look-up, and its
//! own OpenAPI document. Plain axum routes beside the Leptos server functions, with the same
//! middleware; errors are JSON (`error::ApiError`), never a page.

pub mod error;
pub mod extract;
pub mod introspection;
pub mod openapi;
pub mod tokens;
pub mod users;

use axum::{
    routing::{get, post},
    Router,
};

pub use error::{ApiError, ErrorBody};

use super::state::AppState;

/// The prefix of the API's paths (and of the JWKS', which answers like them).
pub fn is_api_path(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/") || path.starts_with("/.well-known/")
}

pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route("/tokens", post(tokens::issue))
        .route("/tokens/revoke", post(tokens::revoke))
        .route("/introspect", post(introspection::introspect))
        .route("/users/{id}", get(users::user))
        .route("/me", get(users::me))
        .route("/openapi.json", get(openapi::openapi_json))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound });
    Router::new()
        .route("/.well-known/jwks.json", get(tokens::jwks))
        .nest("/api/v1", api)
}
