use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        action_errors, CodeField, Field, FormAlert, LiveValidation, NewPasswordFields, Notice,
    },
    domain::forms::{FieldErrors, PasswordResetInput},
    error::AppError,
};

/// Sends a reset code to the address, if an account there may have one. The answer is the
/// same either way: nobody learns from it who has an account.
#[server(endpoint = "password/forgot")]
pub async fn request_password_reset(#[server(default)] email: String) -> Result<(), AppError> {
    use crate::{
        domain::Email,
        server::{auth, context::respond, context::user_session, password_reset},
    };
    respond(async move {
        let parsed = Email::parse(&email)
            .map_err(|e| AppError::field("email", e).keeping(&[("email", email.as_str())]))?;
        let client = user_session().await?.client();
        password_reset::request(&*auth::state()?, &client, &parsed).await?;
        leptos_axum::redirect("/password/reset?sent=1");
        Ok(())
    })
    .await
}

/// Sets a new password with the link's token or the e-mail and code; every session of the
/// account ends and its owner is told by e-mail.
#[server(endpoint = "password/reset")]
pub async fn reset_password(#[server(flatten)] input: PasswordResetInput) -> Result<(), AppError> {
    use crate::server::{auth, context::respond, context::user_session, password_reset};
    respond(async move {
        let kept = input.kept_values();
        let (proof, password) = input
            .parse()
            .map_err(|fields| AppError::invalid(fields).keeping(&kept))?;
        let client = user_session().await?.client();
        password_reset::reset(&*auth::state()?, &client, proof, &password)
            .await
            .map_err(|e| e.keeping(&kept))?;
        leptos_axum::redirect("/login?notice=password-reset");
        Ok(())
    })
    .await
}

fn check_reset(input: &PasswordResetInput) -> FieldErrors {
    input.parse().err().unwrap_or_default()
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let (error, errors) = action_errors(action);
    view! {
        <Title text="비밀번호 찾기"/>
        <main class="page page-narrow">
            <section class="card">
                <h1>"비밀번호 찾기"</h1>
                <p class="lead">
                    "가입한 이메일을 입력하시면 비밀번호를 다시 설정할 수 있는 인증 코드와 링크를 보내 드립니다."
                </p>
                <ActionForm action attr:class="form" attr:novalidate=true>
                    <FormAlert error/>
                    <Field
                        label="이메일"
                        name="email"
                        kind="email"
                        autocomplete="email"
                        inputmode="email"
                        required=true
                        maxlength=255
                        errors
                    />
                    <button type="submit" class="button button-primary button-block" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "보내는 중…" } else { "인증 메일 받기" }}
                    </button>
                </ActionForm>
                <p class="form-footer">
                    "관리자에게 복구 코드를 받으셨나요? "<a href="/password/reset">"복구 코드로 재설정"</a>
                </p>
                <p class="form-footer"><a href="/login">"로그인으로 돌아가기"</a></p>
            </section>
        </main>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let (error, server_errors) = action_errors(action);
    let live = LiveValidation::new(server_errors, check_reset);
    let errors = live.errors;
    let query = use_query_map();
    let token = move || {
        server_errors
            .get()
            .and_then(|e| e.value_of("token").map(str::to_owned))
            .or_else(|| query.read().get("token"))
            .filter(|t| !t.trim().is_empty())
    };
    let sent = Signal::derive(move || {
        query.read().get("sent").map(|_| {
            "가입된 이메일이라면 인증 코드와 링크를 보냈습니다. 30분 안에 아래에 코드를 입력하거나 메일의 버튼을 눌러 주세요. 메일이 없으면 스팸함을 확인해 주세요."
                .to_owned()
        })
    });
    view! {
        <Title text="비밀번호 재설정"/>
        <main class="page page-narrow">
            <section class="card">
                <h1>"비밀번호 재설정"</h1>
                <Notice message=sent/>
                <ActionForm
                    action
                    attr:class="form"
                    attr:novalidate=true
                    on:input=move |ev| live.on_input(ev)
                    on:focusout=move |ev| live.on_focusout(ev)
                >
                    <FormAlert error/>
                    {move || match token() {
                        Some(token) => view! {
                            <p class="card-lead">"메일의 링크로 오셨습니다. 새 비밀번호만 입력하면 됩니다."</p>
                            <input type="hidden" name="token" value=token/>
                        }
                        .into_any(),
                        None => view! {
                            <p class="card-lead">
                                "메일로 받은 숫자 6자리 코드(또는 관리자에게 받은 8자리 복구 코드)와 새 비밀번호를 입력해 주세요."
                            </p>
                            <Field
                                label="이메일"
                                name="email"
                                kind="email"
                                autocomplete="username"
                                inputmode="email"
                                required=true
                                maxlength=255
                                errors
                            />
                            <CodeField errors/>
                        }
                        .into_any(),
                    }}
                    <NewPasswordFields errors/>
                    <button type="submit" class="button button-primary button-block" disabled=move || action.pending().get()>
                        {move || if action.pending().get() { "바꾸는 중…" } else { "비밀번호 재설정" }}
                    </button>
                </ActionForm>
                <p class="form-footer">
                    "코드를 받지 못하셨나요? "<a href="/password/forgot">"인증 메일 다시 받기"</a>
                </p>
            </section>
        </main>
    }
}
