use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{rendered_at_once, Access, ErrorPage, RequireSignIn},
    domain::{
        admin::{AuditEntry, AuditPage as AuditPageData},
        format_kst,
    },
    error::AppError,
    page_data::{data_view, page_resource},
};

/// Admin actions, newest first, 50 a page.
#[server(endpoint = "admin/audit")]
pub async fn audit_log(#[server(default)] page: String) -> Result<AuditPageData, AppError> {
    use crate::server::{admin, auth, context::respond};
    respond(async move {
        auth::require_admin().await?;
        let page = page
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .unwrap_or(1);
        Ok(admin::audit_page(&auth::state()?.db, page).await?)
    })
    .await
}

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="감사 로그"/>
        <RequireSignIn access=Access::Admin let:_admin>
            <AuditLog/>
        </RequireSignIn>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let query = use_query_map();
    let log = page_resource(
        move || query.with(|q| q.get("page").unwrap_or_default()),
        audit_log,
    );
    view! {
        <main class="page page-wide">
            <h1>"감사 로그"</h1>
            <Transition fallback=|| view! { <p class="loading">"불러오는 중…"</p> }>
                {data_view(move || Suspend::new(async move {
                    rendered_at_once(match log.await {
                        Ok(log) => Either::Left(view! {
                            <section class="card">
                                <AuditTable entries=log.entries show_target=true/>
                            </section>
                            <nav class="pager" aria-label="페이지">
                                {(log.page > 1).then(|| view! {
                                    <a class="button" rel="prev" href=format!("/admin/audit?page={}", log.page - 1)>"이전"</a>
                                })}
                                <span class="pager-current">{format!("{} 페이지", log.page)}</span>
                                {log.has_next.then(|| view! {
                                    <a class="button" rel="next" href=format!("/admin/audit?page={}", log.page + 1)>"다음"</a>
                                })}
                            </nav>
                        }),
                        Err(error) => Either::Right(view! { <ErrorPage error/> }),
                    })
                }))}
            </Transition>
        </main>
    }
}

/// Audit entries as a table; `show_target` adds the column of whom it was done to.
#[component]
pub fn AuditTable(entries: Vec<AuditEntry>, show_target: bool) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"기록이 없습니다."</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col">"일시"</th>
                        <th scope="col">"관리자"</th>
                        {show_target.then(|| view! { <th scope="col">"대상"</th> })}
                        <th scope="col">"내용"</th>
                        <th scope="col">"변경 전"</th>
                        <th scope="col">"변경 후"</th>
                    </tr>
                </thead>
                <tbody>
                    {entries
                        .into_iter()
                        .map(|entry| view! {
                            <tr>
                                <td class="nowrap">{format_kst(&entry.created_at)}</td>
                                <td>{entry.actor_email.clone()}</td>
                                {show_target.then(|| {
                                    let email = entry.target_email.clone();
                                    match entry.target_id {
                                        Some(id) => view! { <td><a href=format!("/admin/users/{id}")>{email}</a></td> }.into_any(),
                                        None => view! { <td>{email}</td> }.into_any(),
                                    }
                                })}
                                <td>{entry.action.label()}</td>
                                <td>{AuditEntry::describe(entry.before.as_deref())}</td>
                                <td>{AuditEntry::describe(entry.after.as_deref())}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
