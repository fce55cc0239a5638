use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::{
    api::current_user,
    components::ErrorPage,
    page_data::{data_view, page_resource},
};

/// `/` sends each visitor where they belong: owners to their profile, admins to the user
/// table, everyone else to sign-in.
#[component]
pub fn HomePage() -> impl IntoView {
    let user = page_resource(|| (), |_| current_user());
    view! {
        <Suspense>
            {data_view(move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Redirect path=user.role.home_path()/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            }))}
        </Suspense>
    }
}
