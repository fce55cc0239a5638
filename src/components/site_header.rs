use leptos::prelude::*;

use crate::{api::Logout, domain::CurrentUser};

/// The bar on every signed-in page: where to go, who is signed in, and a logout button (a POST
/// form, so it also works without JavaScript).
#[component]
pub fn SiteHeader(user: CurrentUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    let is_admin = user.is_admin();
    view! {
        <header class="site-header">
            <a class="brand" href="/">"이벤트 마케팅 "<span>"계정"</span></a>
            <nav aria-label="주 메뉴">
                {is_admin.then(|| view! {
                    <a href="/admin">"대시보드"</a>
                    <a href="/admin/users">"회원 관리"</a>
                    <a href="/admin/audit">"감사 로그"</a>
                })}
                <a href="/profile">"내 정보"</a>
            </nav>
            <div class="account">
                <span class="who">
                    <span class="who-email" data-testid="header-email">{user.email.clone()}</span>
                    <span class="badge">{user.role.label()}</span>
                </span>
                <ActionForm action=logout attr:class="inline-form">
                    <button type="submit" class="button button-quiet">"로그아웃"</button>
                </ActionForm>
            </div>
        </header>
    }
}
