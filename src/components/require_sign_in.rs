use leptos::{either::EitherOf5, prelude::*};
use leptos_router::{components::Redirect, hooks::use_location};

use super::{ErrorPage, SiteHeader};
use crate::{
    api::current_user,
    domain::{CurrentUser, NextPath, PASSWORD_CHANGE_REQUIRED_PAGE},
    error::AppError,
    page_data::page_resource,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any signed-in user.
    SignedIn,
    /// Admins only; owners get the 403 page.
    Admin,
}

/// Shows `children` to a signed-in user allowed by `access`, with the site header. Anonymous
/// visitors are sent to `/login?next=<this page>`. The check is made on the server while
/// rendering (the resource blocks the response, so the redirect is a real 302), and again by
/// every server function the page calls.
#[component]
pub fn RequireSignIn<F, IV>(access: Access, children: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> IV + Send + Sync + 'static,
    IV: IntoView + 'static,
{
    let user = page_resource(|| (), |_| current_user());
    let location = use_location();
    let children = StoredValue::new(children);
    // One `Suspend`, not a closure that makes one: the server walks a suspense's children more
    // than once before it renders them (to find every resource to wait for), and a closure
    // would build the page anew each time, with new resources and their queries. The user is
    // read once per page (its source never changes), so nothing here needs to re-run.
    // `EitherOf5` rather than `into_any`: erasing the type first converts the whole page,
    // every attribute and text in it, into owned copies (6% of a page's time on the server).
    let gate = Suspend::new(async move {
        match user.await {
            // An admin asked for a new password: only the password form opens.
            Ok(Some(user))
                if user.must_change_password
                    && location.pathname.get_untracked() != "/profile/password" =>
            {
                EitherOf5::A(view! { <Redirect path=PASSWORD_CHANGE_REQUIRED_PAGE/> })
            }
            Ok(Some(user)) if access == Access::SignedIn || user.is_admin() => {
                let content = children.with_value(|children| children(user.clone()));
                EitherOf5::B(view! { <SiteHeader user/> {content} })
            }
            Ok(Some(user)) => {
                EitherOf5::C(view! { <SiteHeader user/> <ErrorPage error=AppError::Forbidden/> })
            }
            Ok(None) => {
                let search = location.search.get_untracked();
                let mut here = location.pathname.get_untracked();
                if !search.is_empty() {
                    here = format!("{here}?{search}");
                }
                let login = NextPath::parse(&here)
                    .map(|next| next.login_url())
                    .unwrap_or_else(|| "/login".to_owned());
                EitherOf5::D(view! { <Redirect path=login/> })
            }
            Err(error) => EitherOf5::E(view! { <ErrorPage error/> }),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading" aria-live="polite">"불러오는 중…"</p> }>
            {gate}
        </Suspense>
    }
}
