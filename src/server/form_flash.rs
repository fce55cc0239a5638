//! Keeps what people type out of URLs on the no-JavaScript error path.
//!
//! A form posted without JavaScript that fails is sent back to its page by leptos with the
//! error in the query string (`?__path=…&__err=…`), and that error carries what the user typed
//! (e-mail, phone number, address) so the form can be filled again. URLs end up in browser
//! history, access logs and Referer headers, so this layer stores the error in Redis under a
//! random id for a few minutes and rewrites the redirect to carry only `?__flash=<id>`. When the
//! page is asked for, the error is taken out of Redis (once) and handed to the page, which
//! renders it as before (`components::provide_flashed_form_error`).

use std::sync::Arc;

use axum::{
    extract::Request,
    extract::State,
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::Response,
};
use tower_sessions_redis_store::fred::{
    self,
    prelude::{KeysInterface, Pool as RedisPool},
    types::Expiration,
};
use uuid::Uuid;

use super::{plain_pages::error_response, state::AppState};
use crate::error::{AppError, FlashedFormError};

/// The query parameter that names a stored error.
const FLASH_PARAM: &str = "__flash";
/// Long enough to follow a redirect on a slow phone, short enough to leave little behind.
const KEEP_SECONDS: i64 = 300;
/// The parameters leptos writes the error into.
const ERROR_PARAMS: [&str; 2] = ["__path", "__err"];

fn key(id: &str) -> String {
    format!("form_flash:{id}")
}

pub async fn keep_form_errors_out_of_urls(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    if method == Method::GET {
        if let Some(id) = flash_id(request.uri().query()) {
            match take(&state.redis, &id).await {
                Ok(Some(flashed)) => {
                    request.extensions_mut().insert(flashed);
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(error = %error, "a form's error could not be read back")
                }
            }
        }
    }
    let is_server_fn_post = method == Method::POST && request.uri().path().starts_with("/api/");
    let request_headers = is_server_fn_post.then(|| request.headers().clone());
    let mut response = next.run(request).await;
    let Some(request_headers) = request_headers else {
        return response;
    };
    let Some((error, rest)) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(split_error)
    else {
        // No form error in the redirect (a `next` path may carry `__err` of its own: it is
        // the visitor's own text, and no reason to fail a sign-in that worked).
        return response;
    };
    match store_and_rewrite(&state.redis, error, &rest).await {
        Ok(rewritten) => {
            if let Ok(value) = HeaderValue::from_str(&rewritten) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Err(error) => {
            // Better no redirect at all than one that writes personal data into a URL.
            tracing::warn!(error = %error, "a form's error could not be stored");
            error_response(&request_headers, AppError::Unavailable)
        }
    }
}

/// `__flash`'s value, if it has the shape of one of our ids.
fn flash_id(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == FLASH_PARAM)
        .map(|(_, value)| value.into_owned())
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn take(redis: &RedisPool, id: &str) -> Result<Option<FlashedFormError>, fred::error::Error> {
    let stored: Option<String> = redis.getdel(key(id)).await?;
    Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
}

#[derive(Debug, thiserror::Error)]
enum FlashError {
    #[error("the form's error could not be written down")]
    Unreadable,
    #[error(transparent)]
    Redis(#[from] fred::error::Error),
}

/// The error a redirect carries, and the redirect without it (the rest byte for byte).
fn split_error(location: &str) -> Option<(FlashedFormError, String)> {
    let (url, query) = location.split_once('?')?;
    let decoded = |name: &str| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    let error = FlashedFormError {
        path: decoded("__path")?,
        encoded: decoded("__err")?,
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            !pair.is_empty() && !ERROR_PARAMS.contains(&name) && name != FLASH_PARAM
        })
        .collect();
    let rest = if kept.is_empty() {
        url.to_owned()
    } else {
        format!("{url}?{}", kept.join("&"))
    };
    Some((error, rest))
}

/// Stores the error a redirect carried and returns the rest of the redirect (see
/// [`split_error`]) with only the record's id in the error's place.
async fn store_and_rewrite(
    redis: &RedisPool,
    error: FlashedFormError,
    rest: &str,
) -> Result<String, FlashError> {
    let id = Uuid::new_v4().simple().to_string();
    let flashed = serde_json::to_string(&error).map_err(|_| FlashError::Unreadable)?;
    redis
        .set::<(), _, _>(
            key(&id),
            flashed,
            Some(Expiration::EX(KEEP_SECONDS)),
            None,
            false,
        )
        .await?;
    let separator = if rest.contains('?') { '&' } else { '?' };
    Ok(format!("{rest}{separator}{FLASH_PARAM}={id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_ids_are_looked_up() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            flash_id(Some(&format!("next=%2Fprofile&__flash={id}"))),
            Some(id.to_owned())
        );
        assert_eq!(flash_id(Some("__flash=../../etc")), None);
        assert_eq!(flash_id(Some("__flash=")), None);
        assert_eq!(flash_id(None), None);
    }

    #[test]
    fn the_error_leaves_the_url_and_everything_else_stays_as_it_was() {
        let location =
            "http://a.kr/login?next=%2Fprofile&__flash=old&__path=%2Fapi%2Flogin&__err=eyJ4Ijox%3D";
        let (error, rest) = split_error(location).unwrap();
        assert_eq!(error.path, "/api/login");
        assert_eq!(error.encoded, "eyJ4Ijox=");
        assert_eq!(rest, "http://a.kr/login?next=%2Fprofile");
        let (_, bare) = split_error("/signup?__path=%2Fapi%2Fsignup&__err=e30%3D").unwrap();
        assert_eq!(bare, "/signup");
        assert!(split_error("/signup?next=%2F").is_none());
    }
}
