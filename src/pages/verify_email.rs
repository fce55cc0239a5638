use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{action_errors, rendered_at_once, CodeField, ErrorPage, FormAlert},
    domain::EmailConfirmation,
    error::AppError,
    page_data::{data_view, page_resource},
};

/// Confirms the signed-in user's address (or new address) with the code from the mail.
#[server(endpoint = "email/verify")]
pub async fn confirm_email_code(#[server(default)] code: String) -> Result<(), AppError> {
    use crate::{
        domain::OneTimeCode,
        server::{auth, context::respond, context::user_session, email_addresses},
    };
    respond(async move {
        let user = auth::require_user().await?;
        let code = OneTimeCode::parse(&code).map_err(|e| AppError::field("code", e))?;
        let confirmed =
            email_addresses::confirm_code(&*auth::state()?, &user_session().await?, &user, &code)
                .await?;
        leptos_axum::redirect(after_confirmation(&confirmed, true));
        Ok(())
    })
    .await
}

/// Confirms the address a mail's link names; the page the link opens posts it back, so a mail
/// scanner that opens links changes nothing. Works signed in or not, in any browser.
#[server(endpoint = "email/verify-link")]
pub async fn confirm_email_link(#[server(default)] token: String) -> Result<(), AppError> {
    use crate::server::{context::respond, context::user_session, email_addresses};
    respond(async move {
        let state = crate::server::auth::state()?;
        let session = user_session().await?;
        let confirmed = email_addresses::confirm_link(&state, &session, token.trim()).await?;
        let signed_in = session.current_user().await?.is_some();
        leptos_axum::redirect(after_confirmation(&confirmed, signed_in));
        Ok(())
    })
    .await
}

/// What a mail's link is for, before it is used.
#[server(endpoint = "email/verify-link/describe")]
pub async fn describe_email_link(
    #[server(default)] token: String,
) -> Result<EmailConfirmation, AppError> {
    use crate::server::{context::respond, email_addresses};
    respond(async move {
        email_addresses::describe_link(&*crate::server::auth::state()?, token.trim()).await
    })
    .await
}

/// Sends the verification mail again (at most once a minute).
#[server(endpoint = "email/resend")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::server::{auth, context::respond, email_addresses};
    respond(async {
        let user = auth::require_user().await?;
        email_addresses::resend_verification(&*auth::state()?, &user).await?;
        leptos_axum::redirect("/email/verify?sent=1");
        Ok(())
    })
    .await
}

/// Where a confirmation leads: the profile for a signed-in browser, sign-in otherwise.
#[cfg(feature = "ssr")]
fn after_confirmation(confirmed: &EmailConfirmation, signed_in: bool) -> &'static str {
    match (confirmed, signed_in) {
        (EmailConfirmation::Verified, true) => "/profile?saved=verified",
        (EmailConfirmation::Changed { .. }, true) => "/profile?saved=email",
        (EmailConfirmation::Verified, false) => "/login?notice=email-verified",
        (EmailConfirmation::Changed { .. }, false) => "/login?notice=email-changed",
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").filter(|t| !t.trim().is_empty());
    view! {
        <Title text="이메일 인증"/>
        {move || match token() {
            Some(token) => view! { <ConfirmLink token/> }.into_any(),
            None => view! { <EnterCode/> }.into_any(),
        }}
    }
}

/// The page a mail's link opens: what it will do, and one button to do it.
#[component]
fn ConfirmLink(token: String) -> impl IntoView {
    let described = page_resource(
        {
            let token = token.clone();
            move || token.clone()
        },
        describe_email_link,
    );
    let confirm = ServerAction::<ConfirmEmailLink>::new();
    let (error, _) = action_errors(confirm);
    view! {
        <main class="page page-narrow">
            <Suspense fallback=|| view! { <p class="loading">"확인하는 중…"</p> }>
                {data_view(move || {
                    let token = token.clone();
                    Suspend::new(async move {
                        rendered_at_once(match described.await {
                            Ok(confirmation) => {
                                let (title, lead) = match confirmation {
                                    EmailConfirmation::Verified => (
                                        "이메일 인증".to_owned(),
                                        "아래 버튼을 누르면 이메일 인증이 완료됩니다.".to_owned(),
                                    ),
                                    EmailConfirmation::Changed { new_email } => (
                                        "새 로그인 이메일 확인".to_owned(),
                                        format!("아래 버튼을 누르면 로그인 이메일이 {new_email}(으)로 바뀝니다."),
                                    ),
                                };
                                view! {
                                    <section class="card">
                                        <h1>{title}</h1>
                                        <p class="lead">{lead}</p>
                                        <ActionForm action=confirm attr:class="form">
                                            <FormAlert error/>
                                            <input type="hidden" name="token" value=token/>
                                            <button type="submit" class="button button-primary button-block" disabled=move || confirm.pending().get()>
                                                "확인 완료하기"
                                            </button>
                                        </ActionForm>
                                    </section>
                                }
                                .into_any()
                            }
                            Err(AppError::Form(errors)) => view! { <LinkRefused message=errors.message/> }.into_any(),
                            Err(error) => view! { <ErrorPage error/> }.into_any(),
                        })
                    })
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn LinkRefused(message: String) -> impl IntoView {
    view! {
        <section class="card" role="alert">
            <h1>"링크를 사용할 수 없습니다"</h1>
            <p>{message}</p>
            <p>"로그인한 뒤 내 정보 화면에서 인증 메일을 다시 받을 수 있습니다."</p>
            <a class="button" href="/email/verify">"인증 코드 입력하기"</a>
        </section>
    }
}

/// For a signed-in user: the code from the mail, or a new mail.
#[component]
fn EnterCode() -> impl IntoView {
    use crate::components::{Access, Notice, RequireSignIn};
    let confirm = ServerAction::<ConfirmEmailCode>::new();
    let resend = ServerAction::<ResendVerification>::new();
    let (error, errors) = action_errors(confirm);
    let (resend_error, _) = action_errors(resend);
    let query = use_query_map();
    let sent = Signal::derive(move || {
        query.read().get("sent").map(|_| {
            "인증 메일을 다시 보냈습니다. 받은편지함(또는 스팸함)을 확인해 주세요.".to_owned()
        })
    });
    view! {
        <RequireSignIn access=Access::SignedIn let:_user>
            <main class="page page-narrow">
                <section class="card">
                    <h1>"이메일 인증"</h1>
                    <p class="lead">
                        "메일로 받은 숫자 6자리를 입력해 주세요. 메일의 버튼을 눌러도 인증됩니다. 로그인 이메일을 바꾸는 중이라면 새 이메일로 받은 코드를 입력하세요."
                    </p>
                    <Notice message=sent/>
                    <ActionForm action=confirm attr:class="form" attr:novalidate=true>
                        <FormAlert error/>
                        <CodeField errors/>
                        <button type="submit" class="button button-primary button-block" disabled=move || confirm.pending().get()>
                            "인증하기"
                        </button>
                    </ActionForm>
                    <ActionForm action=resend attr:class="form form-secondary">
                        <FormAlert error=resend_error/>
                        <p class="form-footer">"메일이 오지 않았나요? 스팸함도 확인해 주세요."</p>
                        <button type="submit" class="button button-quiet" disabled=move || resend.pending().get()>
                            "인증 메일 다시 받기"
                        </button>
                    </ActionForm>
                </section>
            </main>
        </RequireSignIn>
    }
}
