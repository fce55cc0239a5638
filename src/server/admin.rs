//! The admin console's SQL and rules: the user table at a million users, a user's page, and
//! the actions (status, role, sessions) with their guards and audit records.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{
    access,
    audit::{self, Change},
    one_time_codes, outbox,
    state::AppState,
};
use crate::{
    domain::{
        admin::{
            AuditAction, AuditPage, Dashboard, MatchCount, UserDetail, UserPage, UserRow,
            AUTOMATIC_LOCK, NOT_SETTABLE, SETTABLE_STATUSES,
        },
        korea_time, CurrentUser, Direction, Role, SortKey, UserQuery, UserStatus,
    },
    error::{AppError, FormErrors},
};

/// Counting stops here: past it the table says "10,000명 이상".
const COUNT_LIMIT: i64 = 10_000;

/// A row of the user table as PostgreSQL returns it (also streamed by the CSV export).
#[derive(sqlx::FromRow)]
pub struct UserRowRecord {
    id: Uuid,
    name: String,
    email: String,
    phone_number: String,
    role: String,
    status: String,
    store_name: Option<String>,
    industry: Option<String>,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
    email_verified: bool,
}

impl TryFrom<UserRowRecord> for UserRow {
    type Error = sqlx::Error;
    fn try_from(r: UserRowRecord) -> Result<Self, Self::Error> {
        let decode = |e: String| sqlx::Error::Decode(e.into());
        Ok(UserRow {
            id: r.id,
            name: r.name,
            email: r.email,
            phone_number: r.phone_number,
            role: r
                .role
                .parse()
                .map_err(|e: crate::domain::UnknownRole| decode(e.to_string()))?,
            status: r
                .status
                .parse()
                .map_err(|e: crate::domain::UnknownUserStatus| decode(e.to_string()))?,
            store_name: r.store_name,
            industry: r.industry,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
            locked_until: r.locked_until,
            email_verified: r.email_verified,
        })
    }
}

/// `ORDER BY` for a view, matching one of the sort indexes exactly (id breaks ties).
fn order_by(query: &UserQuery) -> &'static str {
    use {Direction::*, SortKey::*};
    match (query.sort, query.dir) {
        (CreatedAt, Asc) => "u.created_at ASC, u.id ASC",
        (CreatedAt, Desc) => "u.created_at DESC, u.id DESC",
        (Name, Asc) => "u.name ASC, u.id ASC",
        (Name, Desc) => "u.name DESC, u.id DESC",
        (Email, Asc) => "u.email ASC",
        (Email, Desc) => "u.email DESC",
        // Never-signed-in users come last when newest first, first when oldest first.
        (LastLoginAt, Desc) => "u.last_login_at DESC NULLS LAST, u.id DESC",
        (LastLoginAt, Asc) => "u.last_login_at ASC NULLS FIRST, u.id ASC",
    }
}

/// `LIKE` pattern for a case-insensitive substring, with `%`, `_` and `\` taken literally.
pub fn contains_pattern(q: &str) -> String {
    let mut pattern = String::from("%");
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, query: &UserQuery) {
    let mut first = true;
    let mut and = |qb: &mut QueryBuilder<'_, Postgres>| {
        qb.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    if !query.q.is_empty() {
        and(qb);
        // Under three characters there is no trigram to look up, and a scan of the whole
        // trigram index costs more than walking the sort order: hide the column from it.
        let column = if query.q.chars().count() < 3 {
            "lower(u.search_text)"
        } else {
            "u.search_text"
        };
        qb.push(column)
            .push(" LIKE ")
            .push_bind(contains_pattern(&query.q));
    }
    if let Some(status) = query.status {
        and(qb);
        qb.push("u.status = ").push_bind(status.as_str());
    }
    if let Some(role) = query.role {
        and(qb);
        qb.push("u.role = ").push_bind(role.as_str());
    }
    if let Some(verified) = query.verified {
        and(qb);
        qb.push(if verified {
            "u.email_verified_at IS NOT NULL"
        } else {
            "u.email_verified_at IS NULL"
        });
    }
}

fn is_unfiltered(query: &UserQuery) -> bool {
    query.q.is_empty() && query.status.is_none() && query.role.is_none() && query.verified.is_none()
}

/// One page of the user table. The page's ids are found first, from the sort index alone
/// where the filters allow (an index-only scan), and only those rows are read and joined
/// with their stores. Measured by `examples/bench_admin_queries.rs`.
#[tracing::instrument(name = "list users", skip_all, fields(q = %query.q, sort = query.sort.as_str(), page = query.page))]
pub async fn list_users(db: &PgPool, query: &UserQuery) -> Result<UserPage, sqlx::Error> {
    let matching = count_matching(db, query).await?;
    let order = order_by(query);
    // Few matches for a search (the count finished): collect them through the trigram index
    // and sort just those. Many: walk the sort index and test each row, which finds a page
    // long before it would have collected every match.
    let few_matches = !query.q.is_empty() && matches!(matching, MatchCount::Exact(_));
    let mut qb = if few_matches {
        let mut qb = QueryBuilder::<Postgres>::new(
            "WITH u AS MATERIALIZED (SELECT u.id, u.created_at, u.name, u.email, u.last_login_at FROM users u",
        );
        push_filters(&mut qb, query);
        qb.push("), page AS (SELECT u.id FROM u");
        qb
    } else {
        let mut qb = QueryBuilder::<Postgres>::new("WITH page AS (SELECT u.id FROM users u");
        push_filters(&mut qb, query);
        qb
    };
    qb.push(" ORDER BY ").push(order);
    qb.push(" LIMIT ").push_bind(i64::from(query.per_page) + 1);
    qb.push(" OFFSET ").push_bind(query.offset() as i64);
    qb.push(
        ") SELECT u.id, u.name, u.email, u.phone_number, u.role, u.status, s.name AS store_name,
                  s.industry, u.created_at, u.last_login_at, u.locked_until,
                  u.email_verified_at IS NOT NULL AS email_verified
           FROM page JOIN users u USING (id) LEFT JOIN stores s ON s.user_id = u.id
           ORDER BY ",
    )
    .push(order);
    let mut rows = qb
        .build_query_as::<UserRowRecord>()
        .fetch_all(db)
        .await?
        .into_iter()
        .map(UserRow::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let has_next = rows.len() > query.per_page as usize;
    rows.truncate(query.per_page as usize);
    Ok(UserPage {
        query: query.clone(),
        rows,
        matching,
        has_next,
        as_of: Utc::now(),
    })
}

async fn count_matching(db: &PgPool, query: &UserQuery) -> Result<MatchCount, sqlx::Error> {
    // The whole table: when the planner's estimate (kept by autovacuum) is far past the limit,
    // it is the answer, and the most visited view counts nothing at all.
    let unfiltered = is_unfiltered(query);
    let estimate = if unfiltered {
        sqlx::query_scalar::<_, f32>("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass")
            .fetch_one(db)
            .await?
    } else {
        0.0
    };
    if estimate > (2 * COUNT_LIMIT) as f32 {
        return Ok(MatchCount::About(estimate as u64));
    }
    let mut qb = QueryBuilder::<Postgres>::new("SELECT count(*) FROM (SELECT 1 FROM users u");
    push_filters(&mut qb, query);
    qb.push(" LIMIT ")
        .push_bind(COUNT_LIMIT + 1)
        .push(") bounded");
    let count: i64 = qb.build_query_scalar().fetch_one(db).await?;
    Ok(match count {
        count if count <= COUNT_LIMIT => MatchCount::Exact(count as u64),
        // A stale or missing estimate (-1 before the first analyze) is at least corrected.
        count if unfiltered => MatchCount::About(estimate.max(count as f32) as u64),
        _ => MatchCount::AtLeast(COUNT_LIMIT as u64),
    })
}

/// Every user matching a view, in its order, for the CSV export (no paging).
pub fn export_query(query: &UserQuery) -> QueryBuilder<'static, Postgres> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT u.id, u.name, u.email, u.phone_number, u.role, u.status, s.name AS store_name,
                s.industry, u.created_at, u.last_login_at, u.locked_until,
                  u.email_verified_at IS NOT NULL AS email_verified
         FROM users u LEFT JOIN stores s ON s.user_id = u.id",
    );
    push_filters(&mut qb, query);
    qb.push(" ORDER BY ").push(order_by(query));
    qb
}

async fn find_row(db: &PgPool, user_id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as::<_, UserRowRecord>(
        "SELECT u.id, u.name, u.email, u.phone_number, u.role, u.status, s.name AS store_name,
                s.industry, u.created_at, u.last_login_at, u.locked_until,
                  u.email_verified_at IS NOT NULL AS email_verified
         FROM users u LEFT JOIN stores s ON s.user_id = u.id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?
    .map(UserRow::try_from)
    .transpose()
}

pub async fn user_detail(state: &AppState, user_id: Uuid) -> Result<UserDetail, AppError> {
    let user = find_row(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let store = super::users::find_profile(&state.db, user_id)
        .await?
        .and_then(|profile| profile.store);
    let open_sessions = state.sessions.open_sessions(user_id).await?.len();
    let audit = audit::for_user(&state.db, user_id, 50).await?;
    let must_change_password: bool =
        sqlx::query_scalar("SELECT must_change_password FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&state.db)
            .await?;
    Ok(UserDetail {
        user,
        must_change_password,
        as_of: Utc::now(),
        store,
        open_sessions,
        audit,
    })
}

pub async fn audit_page(db: &PgPool, page: u32) -> Result<AuditPage, sqlx::Error> {
    const PER_PAGE: i64 = 50;
    let page = page.max(1);
    let mut entries = audit::latest(db, PER_PAGE + 1, i64::from(page - 1) * PER_PAGE).await?;
    let has_next = entries.len() as i64 > PER_PAGE;
    entries.truncate(PER_PAGE as usize);
    Ok(AuditPage {
        entries,
        page,
        has_next,
    })
}

pub async fn dashboard(db: &PgPool) -> Result<Dashboard, sqlx::Error> {
    let counts: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT status, role, count(*) FROM users GROUP BY status, role")
            .fetch_all(db)
            .await?;
    let total = |matches: &dyn Fn(&(String, String, i64)) -> bool| -> u64 {
        counts
            .iter()
            .filter(|c| matches(c))
            .map(|c| c.2 as u64)
            .sum()
    };
    let by_status = UserStatus::ALL
        .into_iter()
        .map(|s| (s, total(&|c| c.0 == s.as_str())))
        .collect();
    let by_role = Role::ALL
        .into_iter()
        .map(|r| (r, total(&|c| c.1 == r.as_str())))
        .collect();
    let today = Utc::now().with_timezone(&korea_time()).date_naive();
    let first = today - Duration::days(29);
    let per_day: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "SELECT (created_at AT TIME ZONE 'Asia/Seoul')::date AS day, count(*)
         FROM users WHERE created_at >= ($1::date::timestamp AT TIME ZONE 'Asia/Seoul')
         GROUP BY day",
    )
    .bind(first)
    .fetch_all(db)
    .await?;
    let signups = (0..30)
        .map(|i| {
            let day = first + Duration::days(i);
            let n = per_day
                .iter()
                .find(|(d, _)| *d == day)
                .map_or(0, |(_, n)| *n as u64);
            (day, n)
        })
        .collect();
    let recent = audit::latest(db, 10, 0).await?;
    Ok(Dashboard {
        by_status,
        by_role,
        signups,
        recent,
    })
}

// --- Actions -------------------------------------------------------------------------------

pub const SELF_LOCKOUT: &str = "자기 자신의 계정은 비활성화하거나 잠글 수 없습니다.";
pub const SELF_DEMOTION: &str = "자기 자신의 관리자 권한은 해제할 수 없습니다.";
pub const LAST_ADMIN: &str =
    "활성 관리자가 한 명뿐이라 변경할 수 없습니다. 다른 관리자를 먼저 지정해 주세요.";
pub const WITHDRAWN_IS_FINAL: &str = "탈퇴한 계정은 변경할 수 없습니다.";

pub(super) fn refused(message: &str) -> AppError {
    AppError::Form(FormErrors::new(message))
}

struct Target {
    email: String,
    role: Role,
    status: UserStatus,
    locked_until: Option<DateTime<Utc>>,
}

/// Serializes every change that could touch the roster of active admins, then locks the
/// target's row: two admins demoting each other at once cannot leave none.
async fn lock_target(tx: &mut PgConnection, user_id: Uuid) -> Result<Option<Target>, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('user_service.admin_roster'))")
        .execute(&mut *tx)
        .await?;
    let row: Option<(String, String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT email, role, status, locked_until FROM users WHERE id = $1 FOR UPDATE",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    row.map(|(email, role, status, locked_until)| {
        Ok(Target {
            email,
            role: role.parse().map_err(|e: crate::domain::UnknownRole| {
                sqlx::Error::Decode(e.to_string().into())
            })?,
            status: status
                .parse()
                .map_err(|e: crate::domain::UnknownUserStatus| {
                    sqlx::Error::Decode(e.to_string().into())
                })?,
            locked_until,
        })
    })
    .transpose()
}

async fn active_admins(tx: &mut PgConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'ADMIN' AND status = 'ACTIVE'")
        .fetch_one(tx)
        .await
}

/// Sets a user's status; returns whether it changed. Taking access away ends their sessions at
/// once. Locking an account that failed sign-ins locked for a while makes the lock an admin's:
/// it stays until an admin lifts it.
pub async fn set_status(
    state: &AppState,
    actor: &CurrentUser,
    user_id: Uuid,
    status: UserStatus,
) -> Result<bool, AppError> {
    if !SETTABLE_STATUSES.contains(&status) {
        return Err(refused(NOT_SETTABLE));
    }
    let mut tx = state.db.begin().await?;
    let target = lock_target(&mut tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let automatic_lock = target.status == UserStatus::Locked && target.locked_until.is_some();
    if target.status == status && !(status == UserStatus::Locked && automatic_lock) {
        return Ok(false);
    }
    if target.status == UserStatus::Withdrawn {
        return Err(refused(WITHDRAWN_IS_FINAL));
    }
    let takes_access = status != UserStatus::Active;
    if takes_access && user_id == actor.id {
        return Err(refused(SELF_LOCKOUT));
    }
    if takes_access
        && target.role == Role::Admin
        && target.status == UserStatus::Active
        && active_admins(&mut tx).await? <= 1
    {
        return Err(refused(LAST_ADMIN));
    }
    let before = if automatic_lock {
        AUTOMATIC_LOCK.to_owned()
    } else {
        target.status.as_str().to_owned()
    };
    let change = Change {
        target_id: user_id,
        target_email: &target.email,
        action: AuditAction::SetStatus,
        before: Some(before),
        after: Some(status.as_str().to_owned()),
    };
    apply(
        state,
        tx,
        actor,
        "status = $2, locked_until = NULL",
        change,
        takes_access,
    )
    .await?;
    Ok(true)
}

/// Sets a user's role; setting the role they have changes nothing. A change ends the user's
/// sessions: the session carries the role, so a demoted admin loses access at once and a
/// promoted owner signs in again as admin.
pub async fn set_role(
    state: &AppState,
    actor: &CurrentUser,
    user_id: Uuid,
    role: Role,
) -> Result<bool, AppError> {
    let mut tx = state.db.begin().await?;
    let target = lock_target(&mut tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.role == role {
        return Ok(false);
    }
    if target.status == UserStatus::Withdrawn {
        return Err(refused(WITHDRAWN_IS_FINAL));
    }
    let demotion = target.role == Role::Admin;
    if demotion && user_id == actor.id {
        return Err(refused(SELF_DEMOTION));
    }
    if demotion && target.status == UserStatus::Active && active_admins(&mut tx).await? <= 1 {
        return Err(refused(LAST_ADMIN));
    }
    let change = Change {
        target_id: user_id,
        target_email: &target.email,
        action: AuditAction::SetRole,
        before: Some(target.role.as_str().to_owned()),
        after: Some(role.as_str().to_owned()),
    };
    apply(state, tx, actor, "role = $2", change, true).await?;
    Ok(true)
}

/// Writes `change.after` (`$2`) with the `set` clause, records it in the same transaction,
/// and, if the change takes access away, queues the end of the target's sessions there too;
/// after the commit the sessions are ended at once (or by the outbox worker if Redis fails).
/// A status set by an admin clears the end of an automatic lock: an admin's lock stays until
/// an admin lifts it.
async fn apply(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, Postgres>,
    actor: &CurrentUser,
    set: &'static str,
    change: Change<'_>,
    end_sessions: bool,
) -> Result<(), AppError> {
    let user_id = change.target_id;
    let action = change.action;
    sqlx::query(&format!("UPDATE users SET {set} WHERE id = $1"))
        .bind(user_id)
        .bind(change.after.as_deref())
        .execute(&mut *tx)
        .await?;
    let after = change.after.clone();
    audit::record(&mut tx, actor, change).await?;
    // Taking access away also cancels every code sent before (a pending address change among
    // them): nothing from before the change may change the account afterwards.
    let revocation = if end_sessions {
        one_time_codes::void_all(&mut tx, user_id).await?;
        Some(outbox::queue_revocation(&mut tx, user_id).await?)
    } else {
        None
    };
    tx.commit().await?;
    tracing::info!(actor = %actor.id, target = %user_id, action = action.as_str(), after = ?after, "admin action");
    if let Some(revocation) = revocation {
        access::revoke_committed(state, user_id, revocation).await;
    }
    Ok(())
}

/// Ends every session of a user (they must sign in again); recorded with how many ended.
pub async fn end_sessions(
    state: &AppState,
    actor: &CurrentUser,
    user_id: Uuid,
) -> Result<usize, AppError> {
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    // The sessions end first (with no transaction open: ending tokens needs a connection of
    // its own), then the record says how many: no record without the action.
    let (_, ended) = access::revoke(state, user_id).await?;
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            target_id: user_id,
            target_email: &email,
            action: AuditAction::EndSessions,
            before: None,
            after: Some(ended.to_string()),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(actor = %actor.id, target = %user_id, ended, "admin ended a user's sessions");
    Ok(ended)
}

/// Sets the status of several users; each follows the rules of `set_status`. Returns how many
/// changed and, for each one refused, why (those already in the status are neither).
pub async fn bulk_set_status(
    state: &AppState,
    actor: &CurrentUser,
    user_ids: &[Uuid],
    status: UserStatus,
) -> Result<(usize, Vec<String>), AppError> {
    let mut changed = 0;
    let mut refusals = Vec::new();
    for &user_id in user_ids {
        match set_status(state, actor, user_id, status).await {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(AppError::Form(errors)) => refusals.push(errors.message),
            Err(AppError::NotFound) => refusals.push("찾을 수 없는 회원이 있습니다.".to_owned()),
            Err(other) => return Err(other),
        }
    }
    refusals.dedup();
    Ok((changed, refusals))
}
