use leptos::{prelude::*, server::ServerActionError};

use crate::error::FlashedFormError;

/// Gives the page's forms the error of a post made without JavaScript, if this request brought
/// one back (the server found it by the id in the URL). The value is sent along with the page,
/// so the hydrated page shows the same error the server rendered.
pub fn provide_flashed_form_error() {
    let flashed = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<FlashedFormError>().cloned())
        }
        #[cfg(not(feature = "ssr"))]
        {
            None::<FlashedFormError>
        }
    });
    if let Some(error) = flashed.into_inner() {
        provide_context(ServerActionError::new(&error.path, &error.encoded));
    }
}
