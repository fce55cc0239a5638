use leptos::{either::Either, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        action_errors, rendered_at_once, Access, AccountNav, ErrorPage, FormAlert, Notice,
        RequireSignIn,
    },
    domain::{format_kst, OpenSession},
    error::AppError,
    page_data::{data_view, page_resource},
};

/// The signed-in user's open sessions, this browser's first.
#[server(endpoint = "profile/sessions")]
pub async fn list_sessions() -> Result<Vec<OpenSession>, AppError> {
    use crate::server::{
        auth,
        context::{respond, user_session},
    };
    respond(async {
        let user = auth::require_user().await?;
        let sessions = user_session().await?.open_sessions(&user).await?;
        Ok(sessions
            .into_iter()
            .map(|(info, is_current)| OpenSession {
                handle: info.handle,
                started_at: info.started_at,
                last_used_at: info.last_seen_at,
                browser: info.browser,
                address: info.address,
                is_current,
            })
            .collect())
    })
    .await
}

/// Signs one of the user's other browsers out. Only the user's own sessions can be named.
#[server(endpoint = "profile/sessions/end")]
pub async fn end_session(#[server(default)] handle: String) -> Result<(), AppError> {
    use crate::server::{
        auth,
        context::{respond, user_session},
    };
    respond(async move {
        let user = auth::require_user().await?;
        let ended = match uuid::Uuid::parse_str(handle.trim()) {
            Ok(handle) => user_session().await?.end_session(&user, handle).await?,
            Err(_) => false,
        };
        if !ended {
            return Err(AppError::Form(crate::error::FormErrors::new(
                "이미 로그아웃되었거나 찾을 수 없는 기기입니다. 목록을 새로 고쳐 확인해 주세요.",
            )));
        }
        tracing::info!(user_id = %user.id, "owner ended one of their sessions");
        leptos_axum::redirect("/profile/sessions?ended=one");
        Ok(())
    })
    .await
}

/// Signs every other browser of the user out; this one stays signed in.
#[server(endpoint = "profile/sessions/end-others")]
pub async fn end_other_sessions() -> Result<(), AppError> {
    use crate::server::{
        auth,
        context::{respond, user_session},
    };
    respond(async {
        let user = auth::require_user().await?;
        let ended = user_session().await?.end_other_sessions(&user).await?;
        tracing::info!(user_id = %user.id, ended, "owner ended their other sessions");
        leptos_axum::redirect("/profile/sessions?ended=others");
        Ok(())
    })
    .await
}

fn ended_message(ended: &str) -> Option<&'static str> {
    match ended {
        "one" => Some("선택한 기기를 로그아웃했습니다."),
        "others" => Some("이 기기를 제외한 모든 기기를 로그아웃했습니다."),
        _ => None,
    }
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    view! {
        <Title text="로그인 기기"/>
        <RequireSignIn access=Access::SignedIn let:_user>
            <SessionsContent/>
        </RequireSignIn>
    }
}

#[component]
fn SessionsContent() -> impl IntoView {
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let query = use_query_map();
    let ended = Signal::derive(move || {
        query
            .read()
            .get("ended")
            .and_then(|e| ended_message(&e))
            .map(str::to_owned)
    });
    let sessions = page_resource(
        move || (end_one.version().get(), end_others.version().get()),
        |_| list_sessions(),
    );
    let (error, _) = action_errors(end_one);
    view! {
        <main class="page">
            <h1>"로그인 기기"</h1>
            <AccountNav current="/profile/sessions"/>
            <Notice message=ended/>
            <FormAlert error/>
            <Transition fallback=|| view! { <p class="loading">"불러오는 중…"</p> }>
                {data_view(move || Suspend::new(async move {
                    rendered_at_once(match sessions.await {
                        Ok(sessions) => Either::Left(view! {
                            <SessionList sessions end_one end_others/>
                        }),
                        Err(error) => Either::Right(view! { <ErrorPage error/> }),
                    })
                }))}
            </Transition>
        </main>
    }
}

#[component]
fn SessionList(
    sessions: Vec<OpenSession>,
    end_one: ServerAction<EndSession>,
    end_others: ServerAction<EndOtherSessions>,
) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.is_current).count();
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"로그인된 기기 "{sessions.len()}"대"</h2>
            <p class="card-lead">
                "모르는 기기가 있다면 로그아웃시키고 비밀번호를 바꿔 주세요. "
                "사용하지 않는 기기는 일정 시간이 지나면 자동으로 로그아웃됩니다."
            </p>
            <ul class="session-list" data-testid="session-list">
                {sessions
                    .into_iter()
                    .map(|session| view! { <SessionItem session end_one/> })
                    .collect_view()}
            </ul>
            {(others > 0).then(|| view! {
                <ActionForm action=end_others attr:class="inline-form">
                    <button type="submit" class="button button-danger" disabled=move || end_others.pending().get()>
                        {format!("다른 기기 {others}대 모두 로그아웃")}
                    </button>
                </ActionForm>
            })}
        </section>
    }
}

#[component]
fn SessionItem(session: OpenSession, end_one: ServerAction<EndSession>) -> impl IntoView {
    let address = session
        .address
        .clone()
        .unwrap_or_else(|| "주소 알 수 없음".to_owned());
    view! {
        <li class="session-item" data-testid="session-item" class:current=session.is_current>
            <div class="session-main">
                <strong>{session.browser.clone()}</strong>
                {session.is_current.then(|| view! { <span class="badge badge-active">"이 기기"</span> })}
                <span class="session-address">{address}</span>
            </div>
            <dl class="session-times">
                <dt>"로그인"</dt>
                <dd>{format_kst(&session.started_at)}</dd>
                <dt>"마지막 사용"</dt>
                <dd>{format_kst(&session.last_used_at)}</dd>
            </dl>
            {(!session.is_current).then(|| view! {
                <ActionForm action=end_one attr:class="inline-form">
                    <input type="hidden" name="handle" value=session.handle.to_string()/>
                    <button type="submit" class="button button-small" disabled=move || end_one.pending().get()>
                        "로그아웃시키기"
                    </button>
                </ActionForm>
            })}
        </li>
    }
}
