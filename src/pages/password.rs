use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        action_errors, Access, AccountNav, Field, FormAlert, NewPasswordFields, Notice,
        RequireSignIn,
    },
    domain::forms::PasswordChangeInput,
    error::AppError,
};

/// Sets a new password. The session gets a new id and every other session of the user ends.
#[server(endpoint = "profile/password")]
pub async fn change_password(
    #[server(flatten)] input: PasswordChangeInput,
) -> Result<(), AppError> {
    use crate::server::{
        accounts, auth,
        context::{respond, user_session},
    };
    respond(async move {
        let user = auth::require_user_for_password_change().await?;
        let new_password = input.parse(&user.email).map_err(AppError::invalid)?;
        let session = user_session().await?;
        accounts::change_password(
            &*auth::state()?,
            &session,
            &user,
            &input.current_password,
            &new_password,
        )
        .await?;
        leptos_axum::redirect("/profile?saved=password");
        Ok(())
    })
    .await
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    view! {
        <Title text="비밀번호 변경"/>
        <RequireSignIn access=Access::SignedIn let:_user>
            <PasswordForm/>
        </RequireSignIn>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let (error, errors) = action_errors(action);
    let query = use_query_map();
    let required = Signal::derive(move || {
        query.read().get("required").map(|_| {
            "관리자의 요청으로 새 비밀번호를 설정해야 합니다. 설정을 마치면 다른 화면을 이용할 수 있습니다."
                .to_owned()
        })
    });
    view! {
        <main class="page">
            <h1>"비밀번호 변경"</h1>
            <AccountNav current="/profile/password"/>
            <Notice message=required/>
            <section class="card">
                <p class="card-lead">
                    "비밀번호를 바꾸면 이 기기를 제외한 다른 모든 기기에서 로그아웃됩니다."
                </p>
                <ActionForm action attr:class="form" attr:novalidate=true>
                    <FormAlert error/>
                    <Field
                        label="현재 비밀번호"
                        name="current_password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        errors
                    />
                    <NewPasswordFields errors/>
                    <button type="submit" class="button button-primary" disabled=move || action.pending().get()>
                        "비밀번호 변경"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
