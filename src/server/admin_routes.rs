//! The two admin endpoints that are plain HTTP rather than server functions:
//! - `POST /admin/users/bulk-status`: the table's checkboxes all named `user_ids`, which the
//!   server functions' form decoder cannot read as a list;
//! - `GET /admin/users.csv`: the current view as a streamed CSV file.
//!
//! Both check the signed-in admin themselves, like every server function.

use axum::{
    body::{Body, Bytes},
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Extension,
};
use axum_extra::extract::Form;
use futures::{channel::mpsc, SinkExt, StreamExt};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::{
    admin::{self, UserRowRecord},
    session::{RequestUser, UserSession},
    state::AppState,
};
use crate::{
    domain::{admin::UserRow, format_kst, CurrentUser, NextPath, UserQuery},
    error::AppError,
};

/// The signed-in admin, or the response to send instead (sign-in page, 403 or 503).
async fn require_admin(
    session: Session,
    request_user: Option<Extension<RequestUser>>,
    state: &AppState,
    here: &str,
) -> Result<CurrentUser, Response> {
    let user = UserSession::new(session, state, request_user.map(|Extension(user)| user))
        .current_user()
        .await
        .map_err(|e| error_response(AppError::from(e)))?;
    match user {
        Some(user) if user.must_change_password => {
            Err(Redirect::to(crate::domain::PASSWORD_CHANGE_REQUIRED_PAGE).into_response())
        }
        Some(user) if user.is_admin() => Ok(user),
        Some(_) => Err(error_response(AppError::Forbidden)),
        None => {
            let login =
                NextPath::parse(here).map_or_else(|| "/login".to_owned(), |n| n.login_url());
            Err(Redirect::to(&login).into_response())
        }
    }
}

fn error_response(error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        error.to_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct BulkStatusForm {
    #[serde(default)]
    user_ids: Vec<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    return_to: String,
}

pub async fn bulk_status(
    State(state): State<AppState>,
    session: Session,
    request_user: Option<Extension<RequestUser>>,
    Form(form): Form<BulkStatusForm>,
) -> Response {
    let back = NextPath::parse(&form.return_to)
        .filter(|p| p.as_str().starts_with("/admin/users"))
        .map_or_else(|| "/admin/users".to_owned(), |p| p.as_str().to_owned());
    let actor = match require_admin(session, request_user, &state, &back).await {
        Ok(actor) => actor,
        Err(response) => return response,
    };
    let separator = if back.contains('?') { '&' } else { '?' };
    let Ok(status) = crate::pages::parse_settable_status(&form.status) else {
        return Redirect::to(&format!("{back}{separator}bulk=0&skipped=0")).into_response();
    };
    let ids: Vec<Uuid> = form
        .user_ids
        .iter()
        .filter_map(|id| Uuid::parse_str(id.trim()).ok())
        .collect();
    let unreadable = form.user_ids.len() - ids.len();
    match admin::bulk_set_status(&state, &actor, &ids, status).await {
        Ok((changed, refusals)) => {
            let skipped = ids.len() - changed + unreadable;
            tracing::info!(actor = %actor.id, changed, skipped, ?refusals, "admin bulk status");
            Redirect::to(&format!(
                "{back}{separator}bulk={changed}&skipped={skipped}"
            ))
            .into_response()
        }
        Err(error) => error_response(error),
    }
}

/// Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

fn csv_line(writer: &mut csv::Writer<Vec<u8>>, row: &UserRow) -> csv::Result<()> {
    writer.write_record([
        defuse(&row.name),
        defuse(&row.email),
        row.phone_number.clone(),
        row.role.label().to_owned(),
        row.status.label().to_owned(),
        defuse(row.store_name.as_deref().unwrap_or("")),
        defuse(row.industry.as_deref().unwrap_or("")),
        format_kst(&row.created_at),
        row.last_login_at
            .as_ref()
            .map(format_kst)
            .unwrap_or_default(),
    ])
}

/// The rows of the current view (every page), streamed as they are read. UTF-8 with a BOM, so
/// that spreadsheet programs read the Korean text correctly.
pub async fn users_csv(
    State(state): State<AppState>,
    session: Session,
    request_user: Option<Extension<RequestUser>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let query = UserQuery::from_params(|name| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    });
    if let Err(response) = require_admin(
        session,
        request_user,
        &state,
        &query.url("/admin/users.csv"),
    )
    .await
    {
        return response;
    }
    let (mut sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let db = state.db.clone();
    tokio::spawn(async move {
        let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let header = [
            "이름",
            "이메일",
            "휴대폰",
            "권한",
            "상태",
            "상호",
            "업종",
            "가입일",
            "최근 로그인",
        ];
        if writer.write_record(header).is_err() {
            return;
        }
        let mut builder = admin::export_query(&query);
        let mut rows = builder.build_query_as::<UserRowRecord>().fetch(&db);
        let mut in_chunk = 0;
        while let Some(next) = rows.next().await {
            let row = match next.and_then(UserRow::try_from) {
                Ok(row) => row,
                Err(error) => {
                    tracing::error!(error = ?error, "CSV export stopped");
                    let _ = sender
                        .send(Err(std::io::Error::other("export failed")))
                        .await;
                    return;
                }
            };
            if csv_line(&mut writer, &row).is_err() {
                return;
            }
            in_chunk += 1;
            if in_chunk == 1000 {
                in_chunk = 0;
                let full = std::mem::replace(&mut writer, csv::Writer::from_writer(Vec::new()));
                let Ok(chunk) = full.into_inner() else { return };
                if sender.send(Ok(Bytes::from(chunk))).await.is_err() {
                    return; // the client went away
                }
            }
        }
        if let Ok(rest) = writer.into_inner() {
            let _ = sender.send(Ok(Bytes::from(rest))).await;
        }
    });
    let filename = format!("users-{}.csv", chrono::Utc::now().format("%Y%m%d-%H%M"));
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(receiver),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn cells_that_would_run_as_formulas_are_defused() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("+82"), "'+82");
        assert_eq!(defuse("김민수"), "김민수");
    }
}
