use chrono::Datelike;
use leptos::{either::Either, prelude::*};
use leptos_meta::Title;

use super::audit::AuditTable;
use crate::{
    components::{rendered_at_once, Access, ErrorPage, RequireSignIn},
    domain::admin::{group_digits, Dashboard},
    error::AppError,
    page_data::{data_view, page_resource},
};

/// Counts by status and role, sign-ups per day for 30 days, the latest admin actions.
#[server(endpoint = "admin/dashboard")]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    use crate::server::{admin, auth, context::respond};
    respond(async move {
        auth::require_admin().await?;
        Ok(admin::dashboard(&auth::state()?.db).await?)
    })
    .await
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="대시보드"/>
        <RequireSignIn access=Access::Admin let:_admin>
            <DashboardContent/>
        </RequireSignIn>
    }
}

#[component]
fn DashboardContent() -> impl IntoView {
    let data = page_resource(|| (), |_| load_dashboard());
    view! {
        <main class="page page-wide">
            <h1>"대시보드"</h1>
            <Transition fallback=|| view! { <p class="loading">"불러오는 중…"</p> }>
                {data_view(move || Suspend::new(async move {
                    rendered_at_once(match data.await {
                        Ok(data) => Either::Left(view! { <DashboardBody data/> }),
                        Err(error) => Either::Right(view! { <ErrorPage error/> }),
                    })
                }))}
            </Transition>
        </main>
    }
}

#[component]
fn DashboardBody(data: Dashboard) -> impl IntoView {
    let total: u64 = data.by_role.iter().map(|(_, n)| n).sum();
    view! {
        <section class="stat-grid" aria-label="회원 수">
            <div class="stat stat-total">
                <p class="stat-label">"전체 회원"</p>
                <p class="stat-value">{group_digits(total)}</p>
            </div>
            {data
                .by_status
                .iter()
                .map(|(status, n)| view! {
                    <a class="stat" href=format!("/admin/users?status={}", status.as_str())>
                        <span class="stat-label">{status.label()}</span>
                        <span class="stat-value">{group_digits(*n)}</span>
                    </a>
                })
                .collect_view()}
            {data
                .by_role
                .iter()
                .map(|(role, n)| view! {
                    <a class="stat" href=format!("/admin/users?role={}", role.as_str())>
                        <span class="stat-label">{role.label()}</span>
                        <span class="stat-value">{group_digits(*n)}</span>
                    </a>
                })
                .collect_view()}
        </section>
        <section class="card" aria-labelledby="signups-title">
            <h2 id="signups-title">"최근 30일 가입"</h2>
            <SignupChart signups=data.signups/>
        </section>
        <section class="card" aria-labelledby="recent-title">
            <h2 id="recent-title">"최근 관리 작업"</h2>
            <AuditTable entries=data.recent show_target=true/>
            <p><a href="/admin/audit">"감사 로그 전체 보기"</a></p>
        </section>
    }
}

/// Sign-ups per day as bars, drawn on the server as SVG (no script, no library).
#[component]
fn SignupChart(signups: Vec<(chrono::NaiveDate, u64)>) -> impl IntoView {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 200.0;
    const LEFT: f64 = 40.0;
    const BOTTOM: f64 = 24.0;
    let max = signups.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let slot = (WIDTH - LEFT) / signups.len().max(1) as f64;
    let plot = HEIGHT - BOTTOM - 8.0;
    let total: u64 = signups.iter().map(|(_, n)| n).sum();
    let summary = format!(
        "최근 30일 동안 {}명이 가입했습니다. 하루 최대 {}명.",
        group_digits(total),
        group_digits(max)
    );
    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-label=summary.clone()
                preserveAspectRatio="xMidYMid meet"
            >
                <line x1=LEFT y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM class="axis"/>
                <text x=LEFT - 6.0 y=8.0 + 4.0 class="tick" text-anchor="end">{group_digits(max)}</text>
                <text x=LEFT - 6.0 y=HEIGHT - BOTTOM class="tick" text-anchor="end">"0"</text>
                {signups
                    .iter()
                    .enumerate()
                    .map(|(i, (day, n))| {
                        let h = plot * (*n as f64) / (max as f64);
                        let x = LEFT + i as f64 * slot + slot * 0.15;
                        let last = i + 1 == signups.len();
                        // The last label ends at the bar's right edge so it is not cut off.
                        let (label_x, anchor) = if last { (x + slot * 0.7, "end") } else { (x + slot * 0.35, "middle") };
                        let label = (i % 5 == 0 || last).then(|| view! {
                            <text x=label_x y=HEIGHT - 6.0 class="tick" text-anchor=anchor>
                                {format!("{:02}/{:02}", day.month(), day.day())}
                            </text>
                        });
                        view! {
                            <rect x=x y=HEIGHT - BOTTOM - h width=slot * 0.7 height=h class="bar">
                                <title>{format!("{day}: {}명", group_digits(*n))}</title>
                            </rect>
                            {label}
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption>{summary}</figcaption>
        </figure>
    }
}
