use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{Access, RequireSignIn};

/// The signed-in user's own page.
#[component]
pub fn ProfilePage() -> impl IntoView {
    view! {
        <Title text="내 정보"/>
        <RequireSignIn access=Access::SignedIn let:user>
            <main class="page">
                <h1>"내 정보"</h1>
                <section class="card">
                    <dl class="details">
                        <dt>"이메일"</dt>
                        <dd data-testid="signed-in-email">{user.email.clone()}</dd>
                        <dt>"권한"</dt>
                        <dd>{user.role.label()}</dd>
                    </dl>
                </section>
            </main>
        </RequireSignIn>
    }
}
