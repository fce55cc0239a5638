use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::{action_errors, Access, AccountNav, Field, FormAlert, RequireSignIn},
    error::AppError,
};

/// Withdraws the signed-in owner for good, confirmed with their password.
#[server(endpoint = "profile/withdraw")]
pub async fn withdraw(#[server(default)] password: String) -> Result<(), AppError> {
    use crate::server::{
        accounts, auth,
        context::{respond, user_session},
    };
    respond(async move {
        let user = auth::require_user().await?;
        accounts::withdraw(&*auth::state()?, &user_session().await?, &user, &password).await?;
        leptos_axum::redirect("/login?withdrawn=1");
        Ok(())
    })
    .await
}

#[component]
pub fn WithdrawPage() -> impl IntoView {
    view! {
        <Title text="회원 탈퇴"/>
        <RequireSignIn access=Access::SignedIn let:_user>
            <WithdrawForm/>
        </RequireSignIn>
    }
}

#[component]
fn WithdrawForm() -> impl IntoView {
    let action = ServerAction::<Withdraw>::new();
    let (error, errors) = action_errors(action);
    view! {
        <main class="page">
            <h1>"회원 탈퇴"</h1>
            <AccountNav current="/profile/withdraw"/>
            <section class="card card-danger">
                <h2>"탈퇴하기 전에 확인해 주세요"</h2>
                <ul class="checklist">
                    <li>"탈퇴하면 이 계정으로 다시 로그인할 수 없으며, 되돌릴 수 없습니다."</li>
                    <li>"이름, 이메일, 휴대폰 번호와 매장 정보는 즉시 파기됩니다."</li>
                    <li>"같은 이메일과 휴대폰 번호로 언제든 새로 가입할 수 있습니다."</li>
                    <li>"모든 기기에서 로그아웃됩니다."</li>
                </ul>
                <ActionForm action attr:class="form" attr:novalidate=true>
                    <FormAlert error/>
                    <Field
                        label="비밀번호 확인"
                        name="password"
                        kind="password"
                        autocomplete="current-password"
                        required=true
                        errors
                    />
                    <button type="submit" class="button button-danger" disabled=move || action.pending().get()>
                        "탈퇴하기"
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
