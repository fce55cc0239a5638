//! Probes for the orchestrator: `/healthz` says the process answers, `/readyz` says it can
//! serve (PostgreSQL and Redis both reachable), else 503 so traffic goes elsewhere.

use std::time::Duration;

use axum::{extract::State, http::StatusCode, response::IntoResponse, Json};
use serde::Serialize;
use tower_sessions_redis_store::fred::prelude::ClientLike;

use super::state::AppState;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Serialize)]
struct Readiness {
    postgres: &'static str,
    redis: &'static str,
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let postgres = tokio::time::timeout(
        PROBE_TIMEOUT,
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.db),
    );
    let redis = tokio::time::timeout(PROBE_TIMEOUT, state.redis.ping::<String>(None));
    let (postgres, redis) = tokio::join!(postgres, redis);
    let readiness = Readiness {
        postgres: verdict(matches!(postgres, Ok(Ok(_)))),
        redis: verdict(matches!(redis, Ok(Ok(_)))),
    };
    let status = if readiness.postgres == "ok" && readiness.redis == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness))
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "unavailable"
    }
}
