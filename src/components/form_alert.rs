use leptos::prelude::*;

use crate::error::AppError;

/// The summary above a form: what went wrong, with a link to each wrong field. Announced by
/// screen readers (`role="alert"`).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|error| {
            let fields = error
                .form_errors()
                .map(|f| f.fields.clone())
                .unwrap_or_default();
            view! {
                <div class="alert alert-error" role="alert">
                    <p class="alert-title">{error.to_string()}</p>
                    {(!fields.is_empty()).then(|| view! {
                        <ul>
                            {fields
                                .into_iter()
                                .map(|(field, message)| view! {
                                    <li><a href=format!("#{field}")>{message}</a></li>
                                })
                                .collect_view()}
                        </ul>
                    })}
                </div>
            }
        })
    }
}
