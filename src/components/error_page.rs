use leptos::prelude::*;
use leptos_meta::Title;

use super::set_http_status;
use crate::error::AppError;

/// A whole-page error with the matching HTTP status: 403, 404, 503 and the rest.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    set_http_status(error.status_code());
    let title = error.title();
    let action = match &error {
        AppError::Forbidden => ("/", "내 화면으로 가기"),
        AppError::PasswordChangeRequired => ("/profile/password?required=1", "비밀번호 변경하기"),
        AppError::NotFound => ("/", "처음으로 가기"),
        AppError::Unauthenticated | AppError::SignedOut => ("/login", "로그인"),
        _ => ("", "다시 시도"),
    };
    view! {
        <Title text=title/>
        <main class="page page-narrow">
            <section class="card error-card" role="alert">
                <p class="error-code">{error.status_code()}</p>
                <h1>{title}</h1>
                <p>{error.to_string()}</p>
                <a class="button" href=action.0>{action.1}</a>
            </section>
        </main>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! { <ErrorPage error=AppError::NotFound/> }
}
