use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{Access, RequireSignIn};

/// The admin console's user table.
#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <Title text="회원 관리"/>
        <RequireSignIn access=Access::Admin let:user>
            <main class="page">
                <h1>"회원 관리"</h1>
                <section class="card">
                    <p>
                        "관리자 "
                        <strong data-testid="signed-in-email">{user.email.clone()}</strong>
                        " 계정으로 로그인되어 있습니다."
                    </p>
                </section>
            </main>
        </RequireSignIn>
    }
}
