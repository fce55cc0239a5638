use leptos::{either::Either, prelude::*};

use super::{derived, memo};
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
    /// A `<textarea>` instead of an `<input>`.
    #[prop(optional)]
    multiline: bool,
    /// The id of a `<datalist>` of suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// The value shown before any error (e.g. the stored one on a profile form).
    #[prop(optional, into)]
    value: MaybeProp<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    // Derived, not a memo: cheaper to work out again in the browser than a memo is to make and
    // check (the server works it out once either way).
    let message = derived(move || {
        errors.with(|e| {
            e.as_ref()
                .and_then(|e| e.message_for(name).map(str::to_owned))
        })
    });
    // A memo, so that re-checking other fields as the user types never resets this one.
    let shown_value = memo(move || {
        if kind == "password" {
            return None;
        }
        errors
            .with(|e| e.as_ref().and_then(|e| e.value_of(name).map(str::to_owned)))
            .or_else(|| value.get())
    });
    let has_error = move || message.with(Option::is_some);
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || match (hint.is_some(), has_error()) {
            (true, true) => Some(format!("{hint_id} {error_id}")),
            (true, false) => Some(hint_id.clone()),
            (false, true) => Some(error_id.clone()),
            (false, false) => None,
        }
    };
    let invalid = move || has_error().then_some("true");
    // `Either`, not `into_any`: erasing the type first makes owned copies of every attribute.
    let control = if multiline {
        Either::Left(view! {
            <textarea
                id=name
                name=name
                rows="3"
                required=required
                maxlength=maxlength
                aria-invalid=invalid
                aria-describedby=described_by
                prop:value=move || shown_value.get().unwrap_or_default()
            >
                {move || shown_value.get_untracked()}
            </textarea>
        })
    } else {
        Either::Right(view! {
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                list=list
                required=required
                maxlength=maxlength
                prop:value=move || shown_value.get()
                value=move || shown_value.get()
                aria-invalid=invalid
                aria-describedby=described_by
            />
        })
    };
    view! {
        <div class="field" class:field-invalid=has_error>
            <label for=name>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            {hint.map(|hint| view! { <p class="field-hint" id=hint_id.clone()>{hint}</p> })}
            {control}
            <p class="field-error" id=error_id hidden=move || !has_error()>
                {move || message.get()}
            </p>
        </div>
    }
}

/// The field for a mailed or read-out one-time code (`code`): digits on a phone's keypad, and
/// the code offered from an SMS or mail by browsers that can (`one-time-code`). 9 characters:
/// an admin's 8-digit code typed with a space or hyphen in the middle.
#[component]
pub fn CodeField(#[prop(into)] errors: Signal<Option<FormErrors>>) -> impl IntoView {
    view! {
        <Field
            label="인증 코드"
            name="code"
            autocomplete="one-time-code"
            inputmode="numeric"
            maxlength=9
            required=true
            errors
        />
    }
}
