use leptos::{
    form::FromFormData,
    prelude::*,
    wasm_bindgen::JsCast,
    web_sys::{Element, Event, FormData, HtmlFormElement},
};
use serde::de::DeserializeOwned;

use super::memo;
use crate::{domain::forms::FieldErrors, error::FormErrors};

/// Reads a form's data into its input type and checks it; `None` when the data does not fit.
type Validator = Box<dyn Fn(&FormData) -> Option<FieldErrors> + Send + Sync>;

/// Checks a form in the browser as the user types, with the parser the server runs (so the
/// messages are the same). A field is checked once the user has left it, and then at every
/// keystroke; the server's answer to a submit replaces what was checked here.
///
/// Wire `on_input` and `on_focusout` to the form; give the fields `errors`.
#[derive(Clone, Copy)]
pub struct LiveValidation {
    touched: RwSignal<Vec<String>>,
    checked: RwSignal<FieldErrors>,
    validate: StoredValue<Validator>,
    pub errors: Signal<Option<FormErrors>>,
}

impl LiveValidation {
    pub fn new<T>(server: Signal<Option<FormErrors>>, validate: fn(&T) -> FieldErrors) -> Self
    where
        T: DeserializeOwned + 'static,
    {
        let touched = RwSignal::new(Vec::<String>::new());
        let checked = RwSignal::new(FieldErrors::new());
        Effect::watch(
            move || server.track(),
            move |_, _, _| {
                touched.set(Vec::new());
                checked.set(FieldErrors::new());
            },
            false,
        );
        // A memo: each field of the form reads it, and it is worked out once per change.
        let errors = memo(move || {
            let touched = touched.get();
            let server = server.get();
            if touched.is_empty() {
                return server;
            }
            let mut merged = server.unwrap_or_default();
            merged.fields.retain(|(field, _)| !touched.contains(field));
            merged.fields.extend(
                checked
                    .get()
                    .into_iter()
                    .filter(|(field, _)| touched.contains(field)),
            );
            Some(merged)
        });
        let validate =
            move |data: &FormData| T::from_form_data(data).ok().map(|input| validate(&input));
        Self {
            touched,
            checked,
            validate: StoredValue::new(Box::new(validate) as Validator),
            errors,
        }
    }

    pub fn on_input(&self, event: impl AsRef<Event>) {
        self.check(event.as_ref(), false);
    }

    pub fn on_focusout(&self, event: impl AsRef<Event>) {
        self.check(event.as_ref(), true);
    }

    fn check(&self, event: &Event, leaving: bool) {
        let Some(field) = event
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|e| e.get_attribute("name"))
        else {
            return;
        };
        if leaving {
            if !self.touched.with_untracked(|t| t.contains(&field)) {
                self.touched.update(|t| t.push(field));
            }
        } else if !self.touched.with_untracked(|t| t.contains(&field)) {
            return;
        }
        let Some(form) = event
            .current_target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = FormData::new_with_form(&form) else {
            return;
        };
        if let Some(errors) = self.validate.with_value(|validate| validate(&data)) {
            self.checked.set(errors);
        }
    }
}
