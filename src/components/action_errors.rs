use leptos::prelude::*;

use super::derived;
use crate::error::{AppError, FormErrors};

/// The error of a form's last submit, whole (for the summary) and by field.
pub fn action_errors<T>(
    action: ServerAction<T>,
) -> (Signal<Option<AppError>>, Signal<Option<FormErrors>>)
where
    T: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    // `value()` makes a new mapped signal each call: made once here, and read in place.
    let value = action.value();
    let error = derived(move || value.with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())));
    let fields = derived(move || {
        value.with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .and_then(|e| e.form_errors().cloned())
        })
    });
    (error, fields)
}
