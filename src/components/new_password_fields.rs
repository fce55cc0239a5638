use leptos::prelude::*;

use super::Field;
use crate::{domain::Password, error::FormErrors};

/// A new password and its confirmation, with the rules said up front: the pair every form that
/// sets a password (change, reset) asks for, under the server function's names
/// `new_password` and `new_password_confirm`.
#[component]
pub fn NewPasswordFields(#[prop(into)] errors: Signal<Option<FormErrors>>) -> impl IntoView {
    view! {
        <Field
            label="새 비밀번호"
            name="new_password"
            kind="password"
            autocomplete="new-password"
            hint=Password::RULES_HINT
            required=true
            errors
        />
        <Field
            label="새 비밀번호 확인"
            name="new_password_confirm"
            kind="password"
            autocomplete="new-password"
            required=true
            errors
        />
    }
}
