use leptos::prelude::*;

use crate::{domain::CurrentUser, error::AppError};

/// Who is signed in, or `None` for an anonymous visitor.
#[server(name = CurrentUserFn, endpoint = "current_user")]
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::context::{respond, user_session};
    respond(async { Ok(user_session().await?.current_user().await?) }).await
}

/// Ends the session (deleted from Redis, so the old cookie is worthless) and goes to sign-in.
/// The browser is told to drop what it cached of the signed-in pages (`Clear-Site-Data`); the
/// device cookie stays, on purpose: it is what lets this browser past a stranger's lockout.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::context::{respond, user_session};
    respond(async {
        user_session().await?.log_out().await?;
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(
                http::HeaderName::from_static("clear-site-data"),
                http::HeaderValue::from_static("\"cache\", \"storage\""),
            );
        }
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}
