use leptos::prelude::*;

/// The tabs of the owner's own account pages.
#[component]
pub fn AccountNav(current: &'static str) -> impl IntoView {
    let tabs = [
        ("/profile", "내 정보"),
        ("/profile/password", "비밀번호 변경"),
        ("/profile/sessions", "로그인 기기"),
        ("/profile/withdraw", "회원 탈퇴"),
    ];
    view! {
        <nav class="tabs" aria-label="내 계정">
            {tabs
                .into_iter()
                .map(|(href, label)| {
                    let here = href == current;
                    view! {
                        <a href=href class:active=here aria-current=here.then_some("page")>{label}</a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
