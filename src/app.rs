//! The HTML shell and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::{
    components::{content_security_policy, provide_flashed_form_error, NotFoundPage},
    pages::{
        AdminUsersPage, AuditPage, DashboardPage, ForgotPasswordPage, HomePage, LoginPage,
        PasswordPage, ProfilePage, ResetPasswordPage, SessionsPage, SignupPage, UserDetailPage,
        VerifyEmailPage, WithdrawPage,
    },
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="ko">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    content_security_policy();
    provide_flashed_form_error();
    view! {
        <Stylesheet id="leptos" href="/pkg/user-service.css"/>
        <Title formatter=|title| format!("{title} · 이벤트 마케팅 계정")/>
        <Router>
            // Async: each page is sent whole, once its data is there. A page must work without
            // JavaScript, and its status (302, 403, 503) is only known once the data is.
            <Routes fallback=NotFoundPage>
                <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async/>
                <Route path=path!("/password/forgot") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/password/reset") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/email/verify") view=VerifyEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/profile") view=ProfilePage ssr=SsrMode::Async/>
                <Route path=path!("/profile/password") view=PasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/profile/sessions") view=SessionsPage ssr=SsrMode::Async/>
                <Route path=path!("/profile/withdraw") view=WithdrawPage ssr=SsrMode::Async/>
                <Route path=path!("/admin") view=DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/users/:id") view=UserDetailPage ssr=SsrMode::Async/>
                <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}
