use leptos::prelude::*;

use crate::error::{AppError, FormErrors};

/// The error of a form's last submit, whole (for the summary) and by field.
pub fn action_errors<T>(
    action: ServerAction<T>,
) -> (Signal<Option<AppError>>, Signal<Option<FormErrors>>)
where
    T: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let fields = Signal::derive(move || error.get().and_then(|e| e.form_errors().cloned()));
    (error, fields)
}
