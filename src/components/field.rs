use leptos::prelude::*;

use crate::error::FormErrors;

/// A labelled input with its error slot. The input's `name` is the server function's
/// parameter; the error, if any, is read from the form's `FormErrors` by that name, and what
/// the user typed comes back from there too (never for passwords).
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(into)] errors: Signal<Option<FormErrors>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The value shown before any error (e.g. the stored one on a profile form).
    #[prop(optional, into)]
    value: MaybeProp<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let message = move || {
        errors.with(|e| {
            e.as_ref()
                .and_then(|e| e.message_for(name).map(str::to_owned))
        })
    };
    let shown_value = move || {
        if kind == "password" {
            return None;
        }
        errors
            .with(|e| e.as_ref().and_then(|e| e.value_of(name).map(str::to_owned)))
            .or_else(|| value.get())
    };
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=name>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                prop:value=shown_value
                value=shown_value
                aria-invalid=move || message().map(|_| "true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id hidden=move || message().is_none()>
                {message}
            </p>
        </div>
    }
}
