//! `GET /api/v1/users/{id}` for the platform's services, and `GET /api/v1/me` for the holder of
//! an access token: who a user is, never anything secret (no password hash, no contact
//! details beyond the e-mail in the token).

use axum::{
    extract::{rejection::PathRejection, Path, State},
    http::HeaderMap,
    Json,
};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    error::ApiError,
    extract::{bearer, ServiceCaller},
    ErrorBody,
};
use crate::{
    domain::{Role, UserStatus},
    server::state::AppState,
};

#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "UPPERCASE")]
enum RoleName {
    Owner,
    Admin,
}

#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "UPPERCASE")]
enum StatusName {
    Active,
    Inactive,
    Locked,
    Withdrawn,
}

/// A user's store: what the platform's services show of it.
#[derive(Serialize, ToSchema)]
pub struct StoreSummary {
    #[schema(example = "민수네 분식")]
    name: String,
    #[schema(example = "음식점")]
    industry: String,
}

/// A user as the platform's services see them.
#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    id: Uuid,
    role: RoleName,
    status: StatusName,
    /// A withdrawn user's name is a placeholder.
    #[schema(example = "김민수")]
    name: String,
    /// An owner's store; `null` for an admin.
    store: Option<StoreSummary>,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: Uuid,
    role: String,
    status: String,
    name: String,
    store_name: Option<String>,
    industry: Option<String>,
}

async fn find(db: &PgPool, id: Uuid) -> Result<Option<UserSummary>, ApiError> {
    let row: Option<SummaryRow> = sqlx::query_as(
        "SELECT u.id, u.role, u.status, u.name, s.name AS store_name, s.industry
         FROM users u LEFT JOIN stores s ON s.user_id = u.id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let decode =
        |e: &dyn std::fmt::Display| ApiError::from(sqlx::Error::Decode(e.to_string().into()));
    let role = match row.role.parse::<Role>().map_err(|e| decode(&e))? {
        Role::Owner => RoleName::Owner,
        Role::Admin => RoleName::Admin,
    };
    let status = match row.status.parse::<UserStatus>().map_err(|e| decode(&e))? {
        UserStatus::Active => StatusName::Active,
        UserStatus::Inactive => StatusName::Inactive,
        UserStatus::Locked => StatusName::Locked,
        UserStatus::Withdrawn => StatusName::Withdrawn,
    };
    Ok(Some(UserSummary {
        id: row.id,
        role,
        status,
        name: row.name,
        store: row
            .store_name
            .zip(row.industry)
            .map(|(name, industry)| StoreSummary { name, industry }),
    }))
}

/// One user, for a service of the platform.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "services",
    params(("id" = Uuid, Path, description = "The user's id (an access token's `sub`)")),
    responses(
        (status = 200, description = "The user", body = UserSummary),
        (status = 400, description = "`invalid_request`: not a user id", body = ErrorBody),
        (status = 401, description = "`invalid_client`: no or a wrong service credential", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`", body = ErrorBody),
    ),
    security(("service_credential" = [])),
)]
pub async fn user(
    State(state): State<AppState>,
    ServiceCaller(service): ServiceCaller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<UserSummary>, ApiError> {
    let id = id
        .ok()
        .and_then(|Path(id)| Uuid::parse_str(&id).ok())
        .ok_or(ApiError::InvalidRequest("the id is not a user id"))?;
    tracing::debug!(service, user_id = %id, "user look-up");
    find(&state.db, id)
        .await?
        .map(Json)
        .ok_or(ApiError::UserNotFound)
}

/// The user an access token belongs to.
///
/// Refuses the token with `401 invalid_token` and a `reason` like every verifier would.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "tokens",
    responses(
        (status = 200, description = "The token's user", body = UserSummary),
        (status = 401, description = "`invalid_token`, with a `reason`", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`", body = ErrorBody),
    ),
    security(("access_token" = [])),
)]
pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<UserSummary>, ApiError> {
    let token = bearer(&headers).ok_or(ApiError::MissingToken)?;
    let claims = state
        .tokens
        .check(token)
        .await?
        .map_err(ApiError::InvalidToken)?;
    find(&state.db, claims.sub)
        .await?
        .map(Json)
        .ok_or(ApiError::InvalidToken(platform_auth::Rejection::Revoked))
}
