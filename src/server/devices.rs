//! Browsers that have signed in to an account before ("device cookies", as OWASP recommends
//! against lockout abuse). A successful sign-in leaves a random token in a long-lived cookie;
//! only its SHA-256 is stored. A later sign-in from that browser to the same account is from a
//! known device: it is let past the automatic lock that a stranger's guessing sets off, and its
//! own failures are counted apart (five forget the device).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tower_sessions::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use uuid::Uuid;

use super::{client::Client, notices, outbox, state::AppState};

/// The cookie's name. With `Secure`, the `__Host-` prefix: the browser then refuses the cookie
/// unless it came over HTTPS from this very host with `Path=/`, so no sibling subdomain and no
/// plain-http page can plant or overwrite it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-user_service_device"
    } else {
        "user_service_device"
    }
}

/// How long a browser stays known without signing in (browsers cap cookies at about 400 days).
const REMEMBER_DAYS: i64 = 365;
/// Known browsers kept per account; signing in from yet another forgets the least recent.
const KEPT_PER_USER: i64 = 20;
/// Tokens are 32 random bytes: 43 characters of URL-safe base64.
const TOKEN_CHARS: usize = 43;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownDevice {
    pub id: Uuid,
    pub user_id: Uuid,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The device cookie's token among a request's cookies, if it looks like one of ours.
pub fn token_from_cookies(headers: &http::HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| Cookie::parse(pair.trim()).ok())
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| {
            v.len() == TOKEN_CHARS
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The device token of the request a server function is serving.
pub fn token_of_current_request(secure: bool) -> Option<String> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| token_from_cookies(&parts.headers, secure))
}

/// The known device `token` names, if any.
pub async fn recognise(db: &PgPool, token: &str) -> Result<Option<KnownDevice>, sqlx::Error> {
    let row: Option<(Uuid, Uuid)> =
        sqlx::query_as("SELECT id, user_id FROM known_devices WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(id, user_id)| KnownDevice { id, user_id }))
}

/// Records a new known device for `user_id` and returns the cookie that names it. The user's
/// least recently used devices beyond the limit are forgotten.
async fn remember(
    db: &PgPool,
    user_id: Uuid,
    browser: &str,
    secure: bool,
) -> Result<Cookie<'static>, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO known_devices (user_id, token_hash, browser) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(token_hash(&token))
        .bind(browser)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM known_devices WHERE user_id = $1 AND id NOT IN
           (SELECT id FROM known_devices WHERE user_id = $1
            ORDER BY last_used_at DESC, created_at DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(KEPT_PER_USER)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(cookie(token, secure))
}

fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((cookie_name(secure), token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(REMEMBER_DAYS))
        .build()
}

/// After a successful sign-in: a known browser is marked as used; an unknown one is remembered
/// (its cookie goes with the response) and the owner is told by e-mail that a new browser
/// signed in.
pub async fn after_sign_in(
    state: &AppState,
    user_id: Uuid,
    device: Option<&KnownDevice>,
    client: &Client,
) -> Result<(), sqlx::Error> {
    if let Some(device) = device {
        return touch(&state.db, device).await;
    }
    remember_browser(state, user_id, client).await?;
    tell_of_new_sign_in(state, user_id, client).await
}

/// Tells the owner by e-mail that a browser or app new to the account signed in.
pub async fn tell_of_new_sign_in(
    state: &AppState,
    user_id: Uuid,
    client: &Client,
) -> Result<(), sqlx::Error> {
    if let Some(account) = super::users::find_account(&state.db, user_id).await? {
        let address = client.address.map(|a| a.to_string());
        let notice = notices::new_sign_in(
            &account.email,
            &account.name,
            &client.browser_label(),
            address.as_deref(),
            chrono::Utc::now(),
        );
        let mut tx = state.db.begin().await?;
        outbox::queue_mail(&mut tx, notice).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Remembers this browser for `user_id` (a sign-up, or a sign-in from it): its cookie goes with
/// the response.
pub async fn remember_browser(
    state: &AppState,
    user_id: Uuid,
    client: &Client,
) -> Result<(), sqlx::Error> {
    let cookie = remember(
        &state.db,
        user_id,
        &client.browser_label(),
        state.cookie_secure,
    )
    .await?;
    if let (Some(response), Ok(value)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&cookie.to_string()),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
    Ok(())
}

/// A known device signed in again.
async fn touch(db: &PgPool, device: &KnownDevice) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE known_devices SET last_used_at = now() WHERE id = $1")
        .bind(device.id)
        .execute(db)
        .await?;
    Ok(())
}

/// Every browser of the account is a stranger again (after a password reset: one of them may be
/// the intruder's).
pub async fn forget_all(tx: &mut sqlx::PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM known_devices WHERE user_id = $1")
        .bind(user_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// The device is a stranger again (too many wrong passwords from it).
pub async fn forget(db: &PgPool, device: &KnownDevice) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM known_devices WHERE id = $1")
        .bind(device.id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secure_cookie_is_host_prefixed_and_long_lived() {
        let cookie = cookie("t".repeat(TOKEN_CHARS), true);
        assert_eq!(cookie.name(), "__Host-user_service_device");
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.domain(), None);
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.max_age(), Some(CookieDuration::days(365)));
    }

    #[test]
    fn only_well_formed_tokens_are_read_from_the_cookie_header() {
        let token = "a".repeat(TOKEN_CHARS);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            format!("other=1; user_service_device={token}")
                .parse()
                .unwrap(),
        );
        assert_eq!(token_from_cookies(&headers, false), Some(token));
        assert_eq!(token_from_cookies(&headers, true), None);
        headers.insert(
            http::header::COOKIE,
            "user_service_device=short".parse().unwrap(),
        );
        assert_eq!(token_from_cookies(&headers, false), None);
    }
}
