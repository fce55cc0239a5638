//! `POST /api/v1/tokens`, `POST /api/v1/tokens/revoke` and `GET /.well-known/jwks.json`.

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Json,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use utoipa::ToSchema;

use super::{error::ApiError, extract::ApiForm, ErrorBody};
use crate::{
    domain::Email,
    server::{
        client::Client,
        session::{RequestUser, UserSession},
        state::AppState,
        throttle,
        tokens::{
            families::{reveal, PresentedRefreshToken},
            grants::{self, GrantRefusal, Issued},
        },
    },
};

/// A token request (RFC 6749 4.3 and 6, plus `session` for a signed-in browser), as a form or
/// as JSON.
#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `session`: for the browser session the request's cookie names (same-origin requests
    /// only). `password`: an app's sign-in, with `email` and `password`. `refresh_token`: the
    /// next tokens for a `refresh_token`.
    #[schema(example = "password")]
    grant_type: String,
    #[serde(default)]
    #[schema(example = "owner@example.com")]
    email: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
}

/// The grant a token request asks for, parsed.
enum Grant {
    Session,
    Password {
        email: Email,
        password: SecretString,
    },
    Refresh(PresentedRefreshToken),
}

fn grant_of(request: TokenRequest) -> Result<Grant, ApiError> {
    match request.grant_type.as_str() {
        "session" => Ok(Grant::Session),
        "password" => {
            let email = request
                .email
                .filter(|e| !e.is_empty())
                .ok_or(ApiError::InvalidRequest("email is required"))?;
            let email = Email::parse(&email)
                .map_err(|_| ApiError::InvalidRequest("email is not an e-mail address"))?;
            let password = request
                .password
                .filter(|p| !p.is_empty())
                .ok_or(ApiError::InvalidRequest("password is required"))?;
            Ok(Grant::Password {
                email,
                password: SecretString::from(password),
            })
        }
        "refresh_token" => {
            let raw = request
                .refresh_token
                .ok_or(ApiError::InvalidRequest("refresh_token is required"))?;
            PresentedRefreshToken::parse(&raw)
                .map(Grant::Refresh)
                .ok_or(ApiError::InvalidGrant(GrantRefusal::RefreshTokenMalformed))
        }
        _ => Err(ApiError::UnsupportedGrantType),
    }
}

/// The tokens (RFC 6749 5.1).
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT signed with Ed25519 (`alg` EdDSA, `typ` at+jwt) with the claims `sub`, `role`,
    /// `email`, `sid`, `jti`, `iat`, `exp`, `iss` and `aud`; check it against
    /// `/.well-known/jwks.json`.
    access_token: String,
    #[schema(example = "Bearer")]
    token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 600)]
    expires_in: u64,
    /// Opaque; works once: every refresh answers a new one. Presenting a used one again ends
    /// the whole token session.
    refresh_token: String,
}

impl From<Issued> for TokenResponse {
    fn from(issued: Issued) -> Self {
        Self {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
            refresh_token: reveal(&issued.refresh_token).to_owned(),
        }
    }
}

/// Issues an access token and a refresh token.
///
/// From the browser session of the request's cookie (`grant_type=session`, same-origin
/// requests only), from e-mail and password (`grant_type=password`: the sign-in page's
/// throttle, lockout and log apply), or from a refresh token (`grant_type=refresh_token`).
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "New tokens; `Cache-Control: no-store`", body = TokenResponse),
        (status = 400, description = "`invalid_request` or `unsupported_grant_type`", body = ErrorBody),
        (status = 401, description = "`invalid_grant`, with a `reason`", body = ErrorBody),
        (status = 403, description = "`access_denied`: sent from another site", body = ErrorBody),
        (status = 429, description = "`too_many_requests`: too many password grants from this address", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`", body = ErrorBody),
    ),
    security((), ("session_cookie" = [])),
)]
pub async fn issue(
    State(state): State<AppState>,
    session: Session,
    parts: http::request::Parts,
    ApiForm(request): ApiForm<TokenRequest>,
) -> Result<Response, ApiError> {
    let issued = match grant_of(request)? {
        Grant::Session => {
            let request_user = parts.extensions.get::<RequestUser>().cloned();
            let session = UserSession::new(session, &state, request_user);
            grants::from_session(&state, &session).await?
        }
        Grant::Password { email, password } => {
            let client = Client::from_request(
                &parts.headers,
                &parts.extensions,
                state.throttle.settings.trust_forwarded_for,
            );
            if !throttle::allow_sign_in(&state, &client).await {
                return Err(ApiError::TooManyRequests);
            }
            grants::from_password(&state, &email, password, &client).await?
        }
        Grant::Refresh(presented) => grants::from_refresh_token(&state, &presented).await?,
    };
    Ok(no_store(Json(TokenResponse::from(issued))))
}

/// `Cache-Control: no-store` comes from the security layer; `Pragma` for old caches, as RFC
/// 6749 5.1 asks.
fn no_store(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A token revocation request (RFC 7009).
#[derive(Deserialize, ToSchema)]
pub struct RevocationRequest {
    /// A refresh token (current or already replaced).
    token: String,
    /// Ignored: only refresh tokens are revoked here.
    #[serde(default)]
    #[allow(dead_code)]
    token_type_hint: Option<String>,
}

/// Ends the token session of a refresh token: an app's sign-out.
///
/// Its refresh tokens stop working and its access tokens go on the revocation list at once.
/// Answers 200 whatever the token was (RFC 7009 2.2).
#[utoipa::path(
    post,
    path = "/api/v1/tokens/revoke",
    tag = "tokens",
    request_body(content(
        (RevocationRequest = "application/x-www-form-urlencoded"),
        (RevocationRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "`invalid_request`", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`", body = ErrorBody),
    ),
    security(()),
)]
pub async fn revoke(
    State(state): State<AppState>,
    ApiForm(request): ApiForm<RevocationRequest>,
) -> Result<Response, ApiError> {
    if let Some(presented) = PresentedRefreshToken::parse(&request.token) {
        grants::revoke_refresh_token(&state, &presented).await?;
    }
    Ok(no_store(Json(serde_json::json!({}))))
}

/// An Ed25519 public key (RFC 8037).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct PublicKey {
    #[schema(example = "OKP")]
    kty: String,
    #[schema(example = "Ed25519")]
    crv: String,
    /// The public key, base64url.
    x: String,
    /// The RFC 7638 thumbprint; the `kid` of the tokens it signs.
    kid: String,
    #[schema(example = "EdDSA")]
    alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    key_use: String,
}

/// A JWK set (RFC 7517).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Jwks {
    keys: Vec<PublicKey>,
}

/// The public keys access tokens are signed with.
///
/// The current signing key first, then earlier keys whose tokens may still be valid. Cache
/// it for a few minutes; a token naming a key you do not know is a reason to fetch it again.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "tokens",
    responses((status = 200, description = "The JWK set; cacheable for 5 minutes", body = Jwks)),
    security(()),
)]
pub async fn jwks(State(state): State<AppState>) -> Response {
    let mut response = Json(state.tokens.keys.jwks()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
