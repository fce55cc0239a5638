//! What a server function needs from the request it serves: the shared state, the session,
//! and an HTTP status that matches its error.

use std::{future::Future, sync::Arc};

use http::{header, request::Parts, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

use super::{error::ServerError, session::UserSession, state::AppState};
use crate::error::AppError;

/// Shared behind an `Arc`: a server function asks for it several times per request, and a
/// clone is then one counter increment rather than a copy of every handle.
pub fn app_state() -> Result<Arc<AppState>, ServerError> {
    use_context::<Arc<AppState>>().ok_or(ServerError::MissingContext("application state"))
}

pub async fn user_session() -> Result<UserSession, ServerError> {
    UserSession::from_request().await
}

/// Where a session ended for safety is sent (see `pages::login`).
pub const SIGNED_OUT_PAGE: &str = "/login?notice=signed-out";

/// Runs a server function body and gives a failed call the status of its error.
///
/// A plain HTML form post is the exception: leptos_axum answers it with a redirect back to the
/// form (carrying the error), and a status set here would replace that redirect.
///
/// A session ended for safety (too many wrong passwords) sends a plain form post to the sign-in
/// page, which says why; back on the form, the user would only be sent there without a word.
pub async fn respond<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    let result = body.await;
    if let Err(error) = &result {
        if *error == AppError::SignedOut && is_redirected_form_post() {
            leptos_axum::redirect(SIGNED_OUT_PAGE);
        } else if !is_redirected_form_post() {
            if let (Some(options), Ok(status)) = (
                use_context::<ResponseOptions>(),
                StatusCode::from_u16(error.status_code()),
            ) {
                options.set_status(status);
            }
        }
    }
    result
}

fn is_redirected_form_post() -> bool {
    use_context::<Parts>().is_some_and(|parts| {
        let accepts_html = parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        accepts_html && parts.headers.contains_key(header::REFERER)
    })
}
