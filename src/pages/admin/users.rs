use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

use super::actions::{UserActionForms, UserActions};
use crate::{
    components::{rendered_at_once, Access, ErrorPage, FormAlert, Notice, RequireSignIn},
    domain::{
        admin::{UserPage, SETTABLE_STATUSES},
        format_kst, Role, SortKey, UserQuery, UserQueryParams, UserStatus,
    },
    error::AppError,
    page_data::{data_view, page_resource},
};

/// One page of the user table. Takes the URL's parameters as they came; any that make no
/// sense fall back to their defaults.
#[server(endpoint = "admin/users")]
pub async fn list_users(#[server(flatten)] params: UserQueryParams) -> Result<UserPage, AppError> {
    use crate::server::{admin, auth, context::respond};
    respond(async move {
        auth::require_admin().await?;
        Ok(admin::list_users(&auth::state()?.db, &params.query()).await?)
    })
    .await
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Title text="회원 관리"/>
        <RequireSignIn access=Access::Admin let:_admin>
            <UserTable/>
        </RequireSignIn>
    }
}

#[component]
fn UserTable() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| UserQuery::from_params(|name| p.get(name))));
    let actions = UserActions::new();
    let page = page_resource(
        move || (query.get(), actions.version()),
        |(query, _)| list_users(UserQueryParams::from(&query)),
    );
    let error = Signal::derive(move || actions.error());
    let bulk_notice = Signal::derive(move || {
        params.with(|p| {
            let changed: u32 = p.get("bulk")?.parse().ok()?;
            let skipped: u32 = p.get("skipped").and_then(|s| s.parse().ok()).unwrap_or(0);
            Some(match (changed, skipped) {
                (0, 0) => "선택한 회원이 없습니다. 변경할 회원을 먼저 선택해 주세요.".to_owned(),
                (n, 0) => format!("{n}명의 상태를 변경했습니다."),
                (n, k) => format!(
                    "{n}명의 상태를 변경했습니다. {k}명은 변경하지 않았습니다(본인 계정, 마지막 관리자, 탈퇴 계정)."
                ),
            })
        })
    });
    view! {
        <main class="page page-wide">
            <div class="page-heading">
                <h1>"회원 관리"</h1>
                <a
                    class="button"
                    rel="external"
                    download="users.csv"
                    href=move || query.get().with_page(1).url("/admin/users.csv")
                >
                    "CSV 내보내기"
                </a>
            </div>
            <FilterForm query/>
            <Notice message=bulk_notice/>
            <FormAlert error/>
            <Transition fallback=|| view! { <p class="loading">"불러오는 중…"</p> }>
                {data_view(move || Suspend::new(async move {
                    rendered_at_once(match page.await {
                        Ok(page) => Either::Left(view! { <Results page actions/> }),
                        Err(error) => Either::Right(view! { <ErrorPage error/> }),
                    })
                }))}
            </Transition>
        </main>
    }
}

#[component]
fn FilterForm(query: Memo<UserQuery>) -> impl IntoView {
    let q = move || query.get().q;
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <div class="field field-grow">
                <label for="q">"검색"</label>
                <input id="q" name="q" type="search" placeholder="이름, 이메일, 휴대폰 번호, 상호" value=q prop:value=q/>
            </div>
            <div class="field">
                <label for="status">"상태"</label>
                <select id="status" name="status">
                    <option value="" selected=move || query.get().status.is_none()>"전체"</option>
                    {UserStatus::ALL
                        .map(|s| view! {
                            <option value=s.as_str() selected=move || query.get().status == Some(s)>{s.label()}</option>
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="role">"권한"</label>
                <select id="role" name="role">
                    <option value="" selected=move || query.get().role.is_none()>"전체"</option>
                    {Role::ALL
                        .map(|r| view! {
                            <option value=r.as_str() selected=move || query.get().role == Some(r)>{r.label()}</option>
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="verified">"이메일 인증"</label>
                <select id="verified" name="verified">
                    <option value="" selected=move || query.get().verified.is_none()>"전체"</option>
                    <option value="yes" selected=move || query.get().verified == Some(true)>"인증됨"</option>
                    <option value="no" selected=move || query.get().verified == Some(false)>"미인증"</option>
                </select>
            </div>
            <div class="field">
                <label for="per_page">"표시 개수"</label>
                <select id="per_page" name="per_page">
                    {[20u32, 50, 100]
                        .map(|n| view! {
                            <option value=n.to_string() selected=move || query.get().per_page == n>{format!("{n}개")}</option>
                        })
                        .collect_view()}
                </select>
            </div>
            <input type="hidden" name="sort" value=move || query.get().sort.as_str()/>
            <input type="hidden" name="dir" value=move || query.get().dir.as_str()/>
            <div class="filter-buttons">
                <button type="submit" class="button button-primary">"검색"</button>
                <a class="button" href="/admin/users">"초기화"</a>
            </div>
        </Form>
    }
}

#[component]
fn Results(page: UserPage, actions: UserActions) -> impl IntoView {
    let query = page.query.clone();
    let return_to = query.url("/admin/users");
    let header = {
        let query = query.clone();
        move |key: SortKey, label: &'static str| {
            let sorted = query.sort == key;
            let arrow = match (sorted, query.dir) {
                (false, _) => "",
                (true, crate::domain::Direction::Asc) => " ▲",
                (true, crate::domain::Direction::Desc) => " ▼",
            };
            let aria = sorted.then_some(match query.dir {
                crate::domain::Direction::Asc => "ascending",
                crate::domain::Direction::Desc => "descending",
            });
            view! {
                <th scope="col" aria-sort=aria>
                    <a href=query.sorted_by(key).url("/admin/users")>{label}{arrow}</a>
                </th>
            }
        }
    };
    let empty = page.rows.is_empty();
    let as_of = page.as_of;
    view! {
        <p class="result-count" data-testid="match-count">
            "검색 결과 "<strong>{page.matching.label()}</strong>
        </p>
        <form id="bulk-form" method="post" action="/admin/users/bulk-status" class="bulk-bar">
            <input type="hidden" name="return_to" value=return_to/>
            <label for="bulk-status">"선택한 회원을"</label>
            <select id="bulk-status" name="status">
                {SETTABLE_STATUSES.map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
            </select>
            <button type="submit" class="button button-small">"상태로 변경"</button>
        </form>
        <div class="table-scroll">
            <table class="data-table">
                <thead>
                    <tr>
                        <th scope="col"><span class="visually-hidden">"선택"</span></th>
                        {header(SortKey::Name, "이름")}
                        {header(SortKey::Email, "이메일")}
                        <th scope="col">"휴대폰"</th>
                        <th scope="col">"권한"</th>
                        <th scope="col">"상태"</th>
                        <th scope="col">"상호"</th>
                        <th scope="col">"업종"</th>
                        {header(SortKey::CreatedAt, "가입일")}
                        {header(SortKey::LastLoginAt, "최근 로그인")}
                        <th scope="col">"관리"</th>
                    </tr>
                </thead>
                <tbody>
                    {empty.then(|| view! {
                        <tr><td colspan="11" class="empty">"조건에 맞는 회원이 없습니다."</td></tr>
                    })}
                    {page
                        .rows
                        .into_iter()
                        .map(|row| {
                            // Joined rather than `format!`ed, here and in the row's action
                            // forms: twenty rows a page made the formatting machinery 6% of it.
                            let id = row.id.to_string();
                            let href = ["/admin/users/", id.as_str()].concat();
                            let label = [row.name.as_str(), " (", row.email.as_str(), ")"].concat();
                            view! {
                                <tr>
                                    <td>
                                        <input
                                            type="checkbox"
                                            name="user_ids"
                                            value=id
                                            form="bulk-form"
                                            aria-label=[label.as_str(), " 선택"].concat()
                                        />
                                    </td>
                                    <td><a href=href>{row.name.clone()}</a></td>
                                    <td>
                                        {row.email.clone()}
                                        {(!row.email_verified).then(|| view! { " " <span class="badge badge-warn">"미인증"</span> })}
                                    </td>
                                    <td>{row.phone_number.clone()}</td>
                                    <td>{row.role.label()}</td>
                                    <td>
                                        <span class=status_badge_class(row.status)>{row.status.label()}</span>
                                        {row.lock_label(as_of).map(|lock| view! { <span class="lock-kind">{lock}</span> })}
                                    </td>
                                    <td>{row.store_name.clone().unwrap_or_default()}</td>
                                    <td>{row.industry.clone().unwrap_or_default()}</td>
                                    <td>{format_kst(&row.created_at)}</td>
                                    <td>{row.last_login_at.as_ref().map(format_kst).unwrap_or_else(|| "-".to_owned())}</td>
                                    <td>
                                        <UserActionForms actions user_id=row.id status=row.status role=row.role label/>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <Pager query page_count=page.matching.pages(page.query.per_page) has_next=page.has_next/>
    }
}

/// The status badge's classes (style/main.css colours each status).
fn status_badge_class(status: UserStatus) -> &'static str {
    match status {
        UserStatus::Active => "status status-active",
        UserStatus::Inactive => "status status-inactive",
        UserStatus::Locked => "status status-locked",
        UserStatus::Withdrawn => "status status-withdrawn",
    }
}

#[component]
fn Pager(query: UserQuery, page_count: Option<u64>, has_next: bool) -> impl IntoView {
    let current = query.page;
    let of = page_count.map(|n| format!(" / {n}")).unwrap_or_default();
    view! {
        <nav class="pager" aria-label="페이지">
            {(current > 1).then(|| view! {
                <a class="button" rel="prev" href=query.with_page(current - 1).url("/admin/users")>"이전"</a>
            })}
            <span class="pager-current" aria-current="page">{format!("{current}{of} 페이지")}</span>
            {(has_next && current < UserQuery::MAX_PAGE).then(|| view! {
                <a class="button" rel="next" href=query.with_page(current + 1).url("/admin/users")>"다음"</a>
            })}
        </nav>
    }
}
