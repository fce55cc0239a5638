//! Times every kind of user-table query against a seeded database, server-side (the SQL and
//! its decoding, as `/admin/users` runs them), and prints a table.
//!
//!   DATABASE_URL=postgres://... cargo run --release --features ssr --example bench_admin_queries
//!
//! Seed first: `user-service seed --users 1000000`.

use std::time::{Duration, Instant};

use user_service::{
    domain::UserQuery,
    server::{admin::list_users, config::DatabaseSettings, startup::connect_database},
};

const RUNS: usize = 7;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let db = connect_database(&DatabaseSettings::from_env()?).await?;
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&db)
        .await?;
    println!("users: {users}; each view run {RUNS} times after a warm-up; times in ms\n");
    let views = [
        "",
        "page=500",
        "sort=name&dir=asc",
        "sort=name&dir=asc&page=500",
        "sort=email&dir=asc&page=500",
        "sort=last_login_at&dir=desc",
        "sort=last_login_at&dir=desc&page=500",
        "sort=last_login_at&dir=asc&page=500",
        "status=LOCKED",
        "status=LOCKED&page=500",
        "status=INACTIVE&sort=name&dir=asc&page=500",
        "status=WITHDRAWN&sort=last_login_at&page=100",
        "role=ADMIN",
        "role=OWNER&sort=email&dir=asc&page=500",
        "q=kim",
        "q=kim&page=500",
        "q=kim&sort=name&dir=asc&page=500",
        "q=kim&status=ACTIVE&sort=email&dir=asc",
        "q=naver",
        "q=김민준",
        "q=김민준&page=50",
        "q=햇살 베이",
        "q=4821",
        "q=010-4821",
        "q=zzzz",
        "q=a",
    ];
    println!(
        "{:<48} {:>8} {:>8} {:>8}  matching",
        "view (/admin/users?...)", "p50", "p95", "max"
    );
    let mut worst = Duration::ZERO;
    for view in views {
        let query = UserQuery::from_params(|name| {
            view.split('&')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
        });
        list_users(&db, &query).await?; // warm-up
        let mut times = Vec::with_capacity(RUNS);
        let mut matching = String::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            let page = list_users(&db, &query).await?;
            times.push(started.elapsed());
            matching = page.matching.label();
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p95 = times[(RUNS * 95 / 100).min(RUNS - 1)];
        worst = worst.max(times[RUNS - 1]);
        println!(
            "{:<48} {:>8.2} {:>8.2} {:>8.2}  {}",
            if view.is_empty() {
                "(default: newest first)"
            } else {
                view
            },
            ms(times[RUNS / 2]),
            ms(p95),
            ms(times[RUNS - 1]),
            matching
        );
    }
    println!(
        "\nslowest single run: {:.2} ms",
        worst.as_secs_f64() * 1000.0
    );
    Ok(())
}
