use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_query_map};

use crate::{
    api::current_user,
    components::{action_errors, rendered_at_once, ErrorPage, Field, FormAlert, Notice},
    domain::NextPath,
    error::AppError,
    page_data::{data_view, page_resource},
};

/// Signs in with e-mail and password, then goes to `next` (a local path only) or the user's
/// home page.
#[server(endpoint = "login")]
pub async fn login(
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] next: String,
) -> Result<(), AppError> {
    use secrecy::SecretString;

    use crate::{
        domain::{Email, PASSWORD_CHANGE_REQUIRED_PAGE},
        error::FormErrors,
        server::{
            auth::{self, SignInError},
            context::{respond, user_session},
            devices,
        },
    };

    /// The one message for every failed sign-in: an unknown e-mail, a wrong password and an
    /// account that may not sign in all look the same from outside.
    const SIGN_IN_FAILED: &str =
        "이메일 또는 비밀번호가 올바르지 않습니다. 여러 번 잘못 입력하면 계정이 15분 동안 잠깁니다.";

    respond(async move {
        let kept = |errors: FormErrors| errors.keep("email", &email).keep("next", &next);
        let parsed_email = Email::parse(&email);
        if parsed_email.is_err() || password.is_empty() {
            let mut errors = FormErrors::new("입력한 내용을 확인해 주세요.");
            if let Err(e) = &parsed_email {
                errors = errors.field("email", e);
            }
            if password.is_empty() {
                errors = errors.field("password", "비밀번호를 입력해 주세요.");
            }
            return Err(AppError::Form(kept(errors)));
        }
        let email = parsed_email.map_err(|_| AppError::BadRequest)?;
        let state = auth::state()?;
        let session = user_session().await?;
        let client = session.client();
        let device_token = devices::token_of_current_request(state.cookie_secure);
        let password = SecretString::from(password);
        match auth::validate_credentials(&state, &email, password, &client, device_token.as_deref())
            .await
        {
            Ok(signed_in) => {
                let user = signed_in.user;
                session.log_in(&user, signed_in.access).await?;
                if !auth::still_has_access(&state, &user, Some(&signed_in.password_hash)).await? {
                    session.log_out().await?;
                    return Err(AppError::Form(kept(FormErrors::new(SIGN_IN_FAILED))));
                }
                devices::after_sign_in(&state, user.id, signed_in.device.as_ref(), &client).await?;
                let target = if user.must_change_password {
                    PASSWORD_CHANGE_REQUIRED_PAGE.to_owned()
                } else {
                    NextPath::parse(&next)
                        .map(|next| next.as_str().to_owned())
                        .unwrap_or_else(|| user.role.home_path().to_owned())
                };
                leptos_axum::redirect(&target);
                Ok(())
            }
            Err(SignInError::InvalidCredentials) => {
                Err(AppError::Form(kept(FormErrors::new(SIGN_IN_FAILED))))
            }
            Err(SignInError::Server(e)) => Err(e.into()),
        }
    })
    .await
}

/// What the sign-in page says after a flow that ends there (`?notice=`).
fn login_notice(notice: &str) -> Option<String> {
    Some(match notice {
        "signed-out" => AppError::SignedOut.to_string(),
        "password-reset" => {
            "비밀번호를 새로 설정했습니다. 새 비밀번호로 로그인해 주세요.".to_owned()
        }
        "email-verified" => "이메일 인증을 마쳤습니다. 로그인해 주세요.".to_owned(),
        "email-changed" => "로그인 이메일을 변경했습니다. 새 이메일로 로그인해 주세요.".to_owned(),
        _ => return None,
    })
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let user = page_resource(|| (), |_| current_user());
    let query = use_query_map();
    let next = move || {
        query
            .read()
            .get("next")
            .and_then(|n| NextPath::parse(&n))
            .map(|n| n.as_str().to_owned())
    };
    view! {
        <Title text="로그인"/>
        <Suspense>
            {data_view(move || Suspend::new(async move {
                rendered_at_once(match user.await {
                    // Already signed in: nothing to do here.
                    Ok(Some(user)) => {
                        let target = next().unwrap_or_else(|| user.role.home_path().to_owned());
                        EitherOf3::A(view! { <Redirect path=target/> })
                    }
                    Ok(None) => EitherOf3::B(view! { <LoginForm next=next()/> }),
                    Err(error) => EitherOf3::C(view! { <ErrorPage error/> }),
                })
            }))}
        </Suspense>
    }
}

#[component]
fn LoginForm(next: Option<String>) -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let notice = Signal::derive(move || {
        let query = query.read();
        if query.get("withdrawn").is_some() {
            Some("회원 탈퇴가 완료되었습니다. 그동안 이용해 주셔서 감사합니다.".to_owned())
        } else {
            query.get("notice").and_then(|notice| login_notice(&notice))
        }
    });
    let (error, form_errors) = action_errors(login);
    let next = move || {
        form_errors
            .get()
            .and_then(|e| e.value_of("next").map(str::to_owned))
            .or_else(|| next.clone())
            .unwrap_or_default()
    };
    view! {
        <main class="page page-narrow">
            <section class="card">
                <p class="eyebrow">"이벤트 마케팅 플랫폼"</p>
                <h1>"사장님, 반갑습니다"</h1>
                <p class="lead">"가입하신 이메일과 비밀번호로 로그인해 주세요."</p>
                <Notice message=notice/>
                <ActionForm action=login attr:class="form" attr:novalidate=true>
                    <FormAlert error/>
                    <input type="hidden" name="next" value=next/>
                    <Field
                        label="이메일"
                        name="email"
                        kind="email"
                        autocomplete="username"
                        required=true
                        errors=form_errors
                    />
                    <Field
                        label="비밀번호"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        errors=form_errors
                    />
                    <button type="submit" class="button button-primary button-block" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "로그인 중…" } else { "로그인" }}
                    </button>
                </ActionForm>
                <p class="form-footer"><a href="/password/forgot">"비밀번호를 잊으셨나요?"</a></p>
                <p class="form-footer">"아직 회원이 아니신가요? "<a href="/signup">"회원가입"</a></p>
            </section>
        </main>
    }
}
