//! The hand-written reference that `scripts/bench.sh` measures the app against: what this
//! machine allows for the same work without a framework. axum + sqlx + fred over the app's
//! tables, with the app's queries (the same SQL, so the comparison is about everything around
//! it), the page written into a `String`.
//!
//!   DATABASE_URL=postgres://… REDIS_URL=redis://… REFERENCE_ADDR=127.0.0.1:3100 \
//!     cargo run --release --features ssr --example reference_server
//!
//! Pages:
//! - `GET /profile`: one Redis GET for the session, one users ⋈ stores query;
//! - `GET /admin/users?q=&sort=&dir=&page=`: the session (an admin's), a count that stops at
//!   10,000 (the planner's estimate for the unfiltered table, as the app), one page of 20;
//! - `GET /readyz`: 200 once listening.
//!
//! Its sessions are its own: the cookie `reference_session=<token>` names the Redis key
//! `reference_session:<token>`, whose value is `<user id> <OWNER|ADMIN>` (the bench writes
//! them with redis-cli). Nothing here is shared with the app's code on purpose.

use std::{fmt::Write as _, net::SocketAddr, sync::Arc};

use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};
use chrono::{DateTime, FixedOffset, Utc};
use fred::prelude::{Builder, ClientLike, Config, KeysInterface, Pool};
use sqlx::{postgres::PgPoolOptions, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

const COOKIE: &str = "reference_session";
const COUNT_LIMIT: i64 = 10_000;
const PER_PAGE: i64 = 20;

struct Shared {
    db: PgPool,
    redis: Pool,
}

#[derive(Debug, thiserror::Error)]
enum ReferenceError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
    #[error("not signed in")]
    Unauthenticated,
    #[error("admins only")]
    Forbidden,
}

impl IntoResponse for ReferenceError {
    fn into_response(self) -> Response {
        let status = match self {
            ReferenceError::Database(_) | ReferenceError::Redis(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ReferenceError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ReferenceError::Forbidden => StatusCode::FORBIDDEN,
        };
        (status, self.to_string()).into_response()
    }
}

#[derive(Debug, thiserror::Error)]
enum StartError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("PostgreSQL: {0}")]
    Database(#[from] sqlx::Error),
    #[error("Redis: {0}")]
    Redis(#[from] fred::error::Error),
    #[error("REFERENCE_ADDR: {0}")]
    Address(#[from] std::net::AddrParseError),
    #[error("listening: {0}")]
    Listen(#[from] std::io::Error),
}

fn env(name: &'static str) -> Result<String, StartError> {
    std::env::var(name).map_err(|_| StartError::Missing(name))
}

#[tokio::main]
async fn main() -> Result<(), StartError> {
    let db = PgPoolOptions::new()
        .max_connections(10)
        .connect(&env("DATABASE_URL")?)
        .await?;
    let redis = Builder::from_config(Config::from_url(&env("REDIS_URL")?)?).build_pool(4)?;
    redis.init().await?;
    let addr: SocketAddr = std::env::var("REFERENCE_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3100".to_owned())
        .parse()?;
    let shared = Arc::new(Shared { db, redis });
    let app = Router::new()
        .route("/readyz", get(|| async { "ok" }))
        .route("/profile", get(profile))
        .route("/admin/users", get(admin_users))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// The signed-in user's id and role, from the cookie and one Redis GET.
async fn session(shared: &Shared, headers: &HeaderMap) -> Result<(Uuid, String), ReferenceError> {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('='))
        .ok_or(ReferenceError::Unauthenticated)?;
    let value: Option<String> = shared.redis.get(format!("{COOKIE}:{token}")).await?;
    let value = value.ok_or(ReferenceError::Unauthenticated)?;
    let (id, role) = value
        .split_once(' ')
        .ok_or(ReferenceError::Unauthenticated)?;
    let id = Uuid::parse_str(id).map_err(|_| ReferenceError::Unauthenticated)?;
    Ok((id, role.to_owned()))
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    name: String,
    email: String,
    phone_number: String,
    role: String,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
    store_name: Option<String>,
    industry: Option<String>,
    address: Option<String>,
    business_hours: Option<String>,
}

async fn profile(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Html<String>, ReferenceError> {
    let (id, _) = session(&shared, &headers).await?;
    let row: ProfileRow = sqlx::query_as(
        "SELECT u.name, u.email, u.phone_number, u.role, u.created_at, u.last_login_at,
                s.name AS store_name, s.industry, s.address, s.business_hours
         FROM users u LEFT JOIN stores s ON s.user_id = u.id WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(&shared.db)
    .await?
    .ok_or(ReferenceError::Unauthenticated)?;
    let mut page = String::with_capacity(2048);
    page.push_str(
        "<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>내 정보</title>\
         <link rel=\"stylesheet\" href=\"/pkg/user-service.css\"></head><body><main><h1>내 정보</h1><dl>",
    );
    let mut item = |term: &str, value: &str| {
        page.push_str("<dt>");
        page.push_str(term);
        page.push_str("</dt><dd>");
        escape_into(&mut page, value);
        page.push_str("</dd>");
    };
    item("이름", &row.name);
    item("이메일", &row.email);
    item("휴대폰 번호", &row.phone_number);
    item("권한", role_label(&row.role));
    item("가입일", &korea_time(&row.created_at));
    item(
        "최근 로그인",
        &row.last_login_at
            .as_ref()
            .map_or_else(|| "기록 없음".to_owned(), korea_time),
    );
    if let (Some(store), Some(industry), Some(address)) =
        (&row.store_name, &row.industry, &row.address)
    {
        item("매장", store);
        item("업종", industry);
        item("주소", address);
        item("영업시간", row.business_hours.as_deref().unwrap_or(""));
    }
    page.push_str("</dl></main></body></html>");
    Ok(Html(page))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TableParams {
    q: String,
    sort: String,
    dir: String,
    page: String,
}

#[derive(sqlx::FromRow)]
struct UserRow {
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
}

/// The app's search condition: a case-insensitive substring of the search text (under three
/// characters hidden from the trigram index, whose scan would cost more than the sort walk).
fn push_search(qb: &mut QueryBuilder<'_, Postgres>, q: &str) {
    if q.is_empty() {
        return;
    }
    let mut pattern = String::from("%");
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    qb.push(if q.chars().count() < 3 {
        " WHERE lower(u.search_text) LIKE "
    } else {
        " WHERE u.search_text LIKE "
    })
    .push_bind(pattern);
}

async fn admin_users(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(params): Query<TableParams>,
) -> Result<Html<String>, ReferenceError> {
    let (_, role) = session(&shared, &headers).await?;
    if role != "ADMIN" {
        return Err(ReferenceError::Forbidden);
    }
    let q = params.q.trim();
    let page: i64 = params
        .page
        .parse()
        .ok()
        .filter(|p| (1..=10_000).contains(p))
        .unwrap_or(1);
    let (order, natural_desc) = match params.sort.as_str() {
        "name" => (["u.name ASC, u.id ASC", "u.name DESC, u.id DESC"], false),
        "email" => (["u.email ASC", "u.email DESC"], false),
        "last_login_at" => (
            [
                "u.last_login_at ASC NULLS FIRST, u.id ASC",
                "u.last_login_at DESC NULLS LAST, u.id DESC",
            ],
            true,
        ),
        _ => (
            ["u.created_at ASC, u.id ASC", "u.created_at DESC, u.id DESC"],
            true,
        ),
    };
    let desc = match params.dir.as_str() {
        "asc" => false,
        "desc" => true,
        _ => natural_desc,
    };
    let order = order[usize::from(desc)];

    // The count: the planner's estimate for the whole table, else counted up to the limit.
    let (count_label, exact) = if q.is_empty() {
        let estimate: f32 =
            sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass")
                .fetch_one(&shared.db)
                .await?;
        (format!("약 {}명", grouped(estimate as i64)), false)
    } else {
        let mut qb = QueryBuilder::<Postgres>::new("SELECT count(*) FROM (SELECT 1 FROM users u");
        push_search(&mut qb, q);
        qb.push(" LIMIT ")
            .push_bind(COUNT_LIMIT + 1)
            .push(") bounded");
        let n: i64 = qb.build_query_scalar().fetch_one(&shared.db).await?;
        if n > COUNT_LIMIT {
            (format!("{}명 이상", grouped(COUNT_LIMIT)), false)
        } else {
            (format!("{}명", grouped(n)), true)
        }
    };

    // The page: few matches are collected through the trigram index and sorted; otherwise
    // the sort index is walked. Only the page's rows are then read and joined.
    let mut qb = if exact {
        let mut qb = QueryBuilder::<Postgres>::new(
            "WITH u AS MATERIALIZED (SELECT u.id, u.created_at, u.name, u.email, u.last_login_at FROM users u",
        );
        push_search(&mut qb, q);
        qb.push("), page AS (SELECT u.id FROM u");
        qb
    } else {
        let mut qb = QueryBuilder::<Postgres>::new("WITH page AS (SELECT u.id FROM users u");
        push_search(&mut qb, q);
        qb
    };
    qb.push(" ORDER BY ")
        .push(order)
        .push(" LIMIT ")
        .push_bind(PER_PAGE + 1)
        .push(" OFFSET ")
        .push_bind((page - 1) * PER_PAGE)
        .push(
            ") SELECT u.id, u.name, u.email, u.phone_number, u.role, u.status,
                      s.name AS store_name, s.industry, u.created_at, u.last_login_at
               FROM page JOIN users u USING (id) LEFT JOIN stores s ON s.user_id = u.id
               ORDER BY ",
        )
        .push(order);
    let rows: Vec<UserRow> = qb.build_query_as().fetch_all(&shared.db).await?;
    let has_next = rows.len() as i64 > PER_PAGE;

    let mut html = String::with_capacity(8192);
    html.push_str(
        "<!DOCTYPE html><html lang=\"ko\"><head><meta charset=\"utf-8\"><title>회원 관리</title>\
         <link rel=\"stylesheet\" href=\"/pkg/user-service.css\"></head><body><main><h1>회원 관리</h1>\
         <form method=\"get\"><input name=\"q\" type=\"search\" value=\"",
    );
    escape_into(&mut html, q);
    html.push_str("\"><button>검색</button></form><p>검색 결과 <strong>");
    html.push_str(&count_label);
    html.push_str(
        "</strong></p><table><thead><tr><th>이름</th><th>이메일</th><th>휴대폰</th><th>권한</th>\
         <th>상태</th><th>상호</th><th>업종</th><th>가입일</th><th>최근 로그인</th></tr></thead><tbody>",
    );
    for row in rows.iter().take(PER_PAGE as usize) {
        let _ = write!(html, "<tr><td><a href=\"/admin/users/{}\">", row.id);
        escape_into(&mut html, &row.name);
        html.push_str("</a></td><td>");
        escape_into(&mut html, &row.email);
        html.push_str("</td><td>");
        escape_into(&mut html, &row.phone_number);
        html.push_str("</td><td>");
        html.push_str(role_label(&row.role));
        html.push_str("</td><td>");
        html.push_str(status_label(&row.status));
        html.push_str("</td><td>");
        escape_into(&mut html, row.store_name.as_deref().unwrap_or(""));
        html.push_str("</td><td>");
        escape_into(&mut html, row.industry.as_deref().unwrap_or(""));
        html.push_str("</td><td>");
        html.push_str(&korea_time(&row.created_at));
        html.push_str("</td><td>");
        html.push_str(
            &row.last_login_at
                .as_ref()
                .map_or_else(|| "-".to_owned(), korea_time),
        );
        html.push_str("</td></tr>");
    }
    html.push_str("</tbody></table><nav>");
    if page > 1 {
        let _ = write!(html, "<a href=\"?page={}\">이전</a>", page - 1);
    }
    let _ = write!(html, "<span>{page} 페이지</span>");
    if has_next {
        let _ = write!(html, "<a href=\"?page={}\">다음</a>", page + 1);
    }
    html.push_str("</nav></main></body></html>");
    Ok(Html(html))
}

/// Korea time, UTC+9 (checked when compiling).
const KST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+9 is a valid offset"),
};

fn korea_time(moment: &DateTime<Utc>) -> String {
    moment
        .with_timezone(&KST)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// 1234567 as "1,234,567".
fn grouped(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn role_label(role: &str) -> &'static str {
    match role {
        "ADMIN" => "관리자",
        _ => "점주",
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "ACTIVE" => "활성",
        "INACTIVE" => "비활성",
        "LOCKED" => "잠김",
        _ => "탈퇴",
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}
