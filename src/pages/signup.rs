use leptos::{either::EitherOf3, prelude::*};
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::{
    api::current_user,
    components::{action_errors, rendered_at_once, ErrorPage, Field, FormAlert, LiveValidation},
    domain::{
        forms::{FieldErrors, SignupInput},
        Password, COMMON_INDUSTRIES,
    },
    error::AppError,
    page_data::{data_view, page_resource},
};

/// Creates an owner (ACTIVE) with their store in one transaction and signs them in.
#[server(endpoint = "signup")]
pub async fn signup(#[server(flatten)] input: SignupInput) -> Result<(), AppError> {
    use crate::server::{
        accounts, auth,
        context::{respond, user_session},
    };

    respond(async move {
        let kept = input.kept_values();
        let owner = input
            .parse()
            .map_err(AppError::invalid)
            .map_err(|e| e.keeping(&kept))?;
        let state = auth::state()?;
        let session = user_session().await?;
        accounts::sign_up(&state, &session, &owner)
            .await
            .map_err(|e| e.keeping(&kept))?;
        leptos_axum::redirect("/profile");
        Ok(())
    })
    .await
}

fn check_signup(input: &SignupInput) -> FieldErrors {
    input.parse().err().unwrap_or_default()
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let user = page_resource(|| (), |_| current_user());
    view! {
        <Title text="회원가입"/>
        <Suspense>
            {data_view(move || Suspend::new(async move {
                rendered_at_once(match user.await {
                    Ok(Some(user)) => EitherOf3::A(view! { <Redirect path=user.role.home_path()/> }),
                    Ok(None) => EitherOf3::B(view! { <SignupForm/> }),
                    Err(error) => EitherOf3::C(view! { <ErrorPage error/> }),
                })
            }))}
        </Suspense>
    }
}

#[component]
fn SignupForm() -> impl IntoView {
    let signup = ServerAction::<Signup>::new();
    let (error, server_errors) = action_errors(signup);
    let live = LiveValidation::new(server_errors, check_signup);
    let errors = live.errors;
    view! {
        <main class="page page-form">
            <section class="card">
                <p class="eyebrow">"이벤트 마케팅 플랫폼"</p>
                <h1>"사장님 회원가입"</h1>
                <p class="lead">"대표자와 매장 정보를 입력하면 바로 시작할 수 있어요."</p>
                <ActionForm
                    action=signup
                    attr:class="form"
                    attr:novalidate=true
                    on:input=move |ev| live.on_input(ev)
                    on:focusout=move |ev| live.on_focusout(ev)
                >
                    <FormAlert error/>
                    <fieldset>
                        <legend>"대표자 정보"</legend>
                        <Field label="이름" name="name" autocomplete="name" required=true maxlength=100 errors/>
                        <Field
                            label="휴대폰 번호"
                            name="phone_number"
                            kind="tel"
                            autocomplete="tel"
                            inputmode="tel"
                            hint="010-1234-5678처럼 입력해 주세요. 하이픈은 없어도 됩니다."
                            required=true
                            errors
                        />
                        <Field
                            label="이메일"
                            name="email"
                            kind="email"
                            autocomplete="email"
                            hint="로그인할 때 사용합니다."
                            required=true
                            maxlength=255
                            errors
                        />
                        <Field
                            label="비밀번호"
                            name="password"
                            kind="password"
                            autocomplete="new-password"
                            hint=Password::RULES_HINT
                            required=true
                            errors
                        />
                        <Field
                            label="비밀번호 확인"
                            name="password_confirm"
                            kind="password"
                            autocomplete="new-password"
                            required=true
                            errors
                        />
                    </fieldset>
                    <fieldset>
                        <legend>"매장 정보"</legend>
                        <StoreFields errors/>
                    </fieldset>
                    <button
                        type="submit"
                        class="button button-primary button-block"
                        disabled=move || signup.pending().get()
                    >
                        {move || if signup.pending().get() { "가입하는 중…" } else { "가입하기" }}
                    </button>
                </ActionForm>
                <p class="form-footer">"이미 계정이 있으신가요? "<a href="/login">"로그인"</a></p>
            </section>
        </main>
    }
}

/// The store's fields, shared by sign-up and the profile's store form.
#[component]
pub fn StoreFields(
    #[prop(into)] errors: Signal<Option<crate::error::FormErrors>>,
    #[prop(optional)] store: Option<crate::domain::StoreProfile>,
) -> impl IntoView {
    let (name, industry, address, hours) = match store {
        Some(s) => (
            Some(s.name),
            Some(s.industry),
            Some(s.address),
            s.business_hours,
        ),
        None => (None, None, None, None),
    };
    view! {
        <Field label="상호" name="store_name" autocomplete="organization" required=true maxlength=200 value=name errors/>
        <Field
            label="업종"
            name="industry"
            list="industry-choices"
            hint="목록에서 고르거나 직접 입력해 주세요."
            required=true
            maxlength=100
            value=industry
            errors
        />
        <datalist id="industry-choices">
            {COMMON_INDUSTRIES.map(|choice| view! { <option value=choice></option> }).collect_view()}
        </datalist>
        <Field label="주소" name="address" autocomplete="street-address" required=true maxlength=500 value=address errors/>
        <Field
            label="영업시간"
            name="business_hours"
            multiline=true
            hint="선택 입력. 예: 평일 10:00-22:00, 일요일 휴무"
            maxlength=1000
            value=hours
            errors
        />
    }
}
