use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The JOSE `typ` of an access token (RFC 9068): a verifier refuses other JWTs signed with the
/// same keys.
pub const TOKEN_TYPE: &str = "at+jwt";

/// What an account may do, as the user service names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    /// A small-business owner (점주): their own account and store.
    Owner,
    /// An administrator: every account.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Admin => "ADMIN",
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user's id.
    pub sub: Uuid,
    pub role: Role,
    /// The user's sign-in e-mail when the token was issued.
    pub email: String,
    /// The token session: one sign-in of an app, or one token request of a signed-in browser.
    /// Every token refreshed from it carries the same `sid`; ending the session (logout)
    /// revokes them all.
    pub sid: Uuid,
    /// This token's own id.
    pub jti: Uuid,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}
