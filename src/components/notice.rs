use leptos::prelude::*;

/// A success message after a change, read out politely by screen readers.
#[component]
pub fn Notice(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|message| view! { <div class="alert alert-success" role="status">{message}</div> })
    }
}
