use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{
    actions::{UserActionForms, UserActions},
    audit::AuditTable,
    recovery::{shown_recovery_code, RecoverySupport, RequirePasswordChange, ShownRecoveryCode},
};
use crate::{
    components::{Access, ErrorPage, FormAlert, RequireSignIn},
    domain::{admin::UserDetail, format_kst},
    error::AppError,
    page_data::{data_view, page_resource},
};

/// One user: their details, store, open sessions and audit history.
#[server(endpoint = "admin/user")]
pub async fn load_user_detail(#[server(default)] user_id: String) -> Result<UserDetail, AppError> {
    use super::actions::parse_user_id;
    use crate::server::{admin, auth, context::respond};
    respond(async move {
        auth::require_admin().await?;
        admin::user_detail(&*auth::state()?, parse_user_id(&user_id)?).await
    })
    .await
}

#[component]
pub fn UserDetailPage() -> impl IntoView {
    // Made here, once per page: a recovery code is shown once, and what is created inside the
    // sign-in check below may be built twice while the server renders.
    let recovery = shown_recovery_code();
    view! {
        <Title text="회원 상세"/>
        <RequireSignIn access=Access::Admin let:_admin>
            <Detail recovery/>
        </RequireSignIn>
    }
}

#[component]
fn Detail(recovery: ShownRecoveryCode) -> impl IntoView {
    let params = use_params_map();
    let actions = UserActions::new();
    let require = ServerAction::<RequirePasswordChange>::new();
    let detail = page_resource(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                actions.version(),
                require.version().get(),
            )
        },
        |(id, _, _)| load_user_detail(id),
    );
    let error = Signal::derive(move || actions.error());
    view! {
        <main class="page">
            <p class="breadcrumb"><a href="/admin/users">"← 회원 목록"</a></p>
            <Transition fallback=|| view! { <p class="loading">"불러오는 중…"</p> }>
                {data_view(move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => Either::Left(view! { <DetailBody detail actions require recovery error/> }),
                        Err(error) => Either::Right(view! { <ErrorPage error/> }),
                    }
                }))}
            </Transition>
        </main>
    }
}

#[component]
fn DetailBody(
    detail: UserDetail,
    actions: UserActions,
    require: ServerAction<RequirePasswordChange>,
    recovery: ShownRecoveryCode,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let user = detail.user;
    let label = format!("{} ({})", user.name, user.email);
    view! {
        <h1>{user.name.clone()}</h1>
        <FormAlert error/>
        <section class="card" aria-labelledby="account-title">
            <h2 id="account-title">"계정"</h2>
            <dl class="details">
                <dt>"이메일"</dt>
                <dd>
                    {user.email.clone()}
                    " "
                    {if user.email_verified {
                        view! { <span class="badge badge-ok">"인증됨"</span> }.into_any()
                    } else {
                        view! { <span class="badge badge-warn">"미인증"</span> }.into_any()
                    }}
                </dd>
                <dt>"휴대폰 번호"</dt>
                <dd>{user.phone_number.clone()}</dd>
                <dt>"권한"</dt>
                <dd data-testid="detail-role">{user.role.label()}</dd>
                <dt>"상태"</dt>
                <dd>
                    <span data-testid="detail-status">{user.status.label()}</span>
                    {user.lock_label(detail.as_of).map(|lock| view! { <span class="lock-kind">{lock}</span> })}
                </dd>
                <dt>"가입일"</dt>
                <dd>{format_kst(&user.created_at)}</dd>
                <dt>"최근 로그인"</dt>
                <dd>{user.last_login_at.as_ref().map(format_kst).unwrap_or_else(|| "기록 없음".to_owned())}</dd>
                <dt>"열린 세션"</dt>
                <dd data-testid="open-sessions">{format!("{}개", detail.open_sessions)}</dd>
            </dl>
            <h3>"관리"</h3>
            <UserActionForms actions user_id=user.id status=user.status role=user.role label/>
        </section>
        {(user.status != crate::domain::UserStatus::Withdrawn).then(|| view! {
            <RecoverySupport
                user_id=user.id
                offers_code=user.role == crate::domain::Role::Owner
                may_sign_in=crate::domain::may_keep_access(user.status, user.locked_until)
                must_change_password=detail.must_change_password
                require
                shown=recovery
            />
        })}
        <section class="card" aria-labelledby="store-title">
            <h2 id="store-title">"매장"</h2>
            {match detail.store {
                Some(store) => view! {
                    <dl class="details">
                        <dt>"상호"</dt>
                        <dd>{store.name}</dd>
                        <dt>"업종"</dt>
                        <dd>{store.industry}</dd>
                        <dt>"주소"</dt>
                        <dd>{store.address}</dd>
                        <dt>"영업시간"</dt>
                        <dd class="pre-line">{store.business_hours.unwrap_or_else(|| "-".to_owned())}</dd>
                    </dl>
                }
                .into_any(),
                None => view! { <p class="muted">"등록된 매장이 없습니다."</p> }.into_any(),
            }}
        </section>
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"관리 이력"</h2>
            <AuditTable entries=detail.audit show_target=false/>
        </section>
    }
}
