use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use jsonwebtoken::{errors::ErrorKind, Algorithm, Validation};
use serde::Deserialize;

use crate::{claims::TOKEN_TYPE, AccessClaims, KeySet, Rejection};

/// The only algorithm accepted: Ed25519 signatures.
pub const ALGORITHM: Algorithm = Algorithm::EdDSA;

/// How far clocks may disagree: a token is accepted this many seconds past its `exp`.
pub const LEEWAY_SECONDS: u64 = 30;

/// Far longer than any token of ours (about 600 bytes); longer input is not even decoded.
const MAX_TOKEN_BYTES: usize = 4096;

/// Who must have issued the token, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    pub issuer: String,
    pub audience: String,
}

/// The header fields looked at before any key is: enough to refuse `alg: none`, HMAC and
/// unknown keys without trusting anything else in the token.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
    /// Extensions the verifier must understand (RFC 7515 4.1.11): we understand none.
    crit: Option<serde_json::Value>,
}

/// Checks an access token's shape, algorithm, key, signature, issuer, audience and expiry.
/// No I/O: the revocation list is checked apart ([`crate::revocation`]).
pub fn verify_token(
    token: &str,
    keys: &KeySet,
    expected: &Expectations,
) -> Result<AccessClaims, Rejection> {
    let header = checked_header(token)?;
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.get(kid))
        .ok_or(Rejection::UnknownKey)?;
    let mut validation = Validation::new(ALGORITHM);
    validation.leeway = LEEWAY_SECONDS;
    validation.set_issuer(&[&expected.issuer]);
    validation.set_audience(&[&expected.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<AccessClaims>(token, key, &validation)
        .map_err(|e| rejection_of(e.kind()))?
        .claims;
    let now = jsonwebtoken::get_current_timestamp();
    if claims.iat > 0 && claims.iat.unsigned_abs() > now + LEEWAY_SECONDS {
        return Err(Rejection::NotYetValid);
    }
    Ok(claims)
}

/// The key id a token names, once its header passed (a token refused by its header never makes
/// anyone look for a key, let alone fetch the JWKS for one).
#[cfg(feature = "jwks-fetch")]
pub(crate) fn key_id_of(token: &str) -> Result<Option<String>, Rejection> {
    checked_header(token).map(|header| header.kid)
}

/// The header, if it is one of our access tokens': EdDSA, `typ` at+jwt, no `crit`.
fn checked_header(token: &str) -> Result<Header, Rejection> {
    let header = header_of(token)?;
    if header.alg != "EdDSA" {
        return Err(Rejection::UnsupportedAlgorithm);
    }
    let typ_ok = header.typ.as_deref().is_some_and(|typ| {
        let typ = typ.to_ascii_lowercase();
        typ == TOKEN_TYPE || typ.strip_prefix("application/") == Some(TOKEN_TYPE)
    });
    if header.crit.is_some() || !typ_ok {
        return Err(Rejection::Malformed);
    }
    Ok(header)
}

fn header_of(token: &str) -> Result<Header, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Rejection::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Rejection::Malformed);
    };
    if header.is_empty() || payload.is_empty() {
        return Err(Rejection::Malformed);
    }
    // `alg: none` tokens often come with an empty signature: still an algorithm refusal.
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| Rejection::Malformed)?;
    let header: Header = serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)?;
    if signature.is_empty() && header.alg == "EdDSA" {
        return Err(Rejection::Malformed);
    }
    Ok(header)
}

fn rejection_of(kind: &ErrorKind) -> Rejection {
    match kind {
        ErrorKind::InvalidSignature => Rejection::BadSignature,
        ErrorKind::ExpiredSignature => Rejection::Expired,
        ErrorKind::ImmatureSignature => Rejection::NotYetValid,
        ErrorKind::InvalidIssuer => Rejection::WrongIssuer,
        ErrorKind::InvalidAudience => Rejection::WrongAudience,
        ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => {
            Rejection::UnsupportedAlgorithm
        }
        _ => Rejection::Malformed,
    }
}
