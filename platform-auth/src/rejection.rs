/// Why a token was refused: a stable code for logs and JSON answers, and a sentence for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not a JWT of ours: not three base64url parts, unreadable JSON, a missing claim, wrong `typ`.
    #[error("the token is malformed")]
    Malformed,
    /// `alg` is not EdDSA (`none`, HS256 and the like are refused before any key is used).
    #[error("the token's algorithm is not accepted")]
    UnsupportedAlgorithm,
    /// No `kid`, or one the JWKS does not list (a key never published, or retired).
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    /// The signature does not match the claims and the key.
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not yet valid")]
    NotYetValid,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token is meant for another audience")]
    WrongAudience,
    /// On the revocation list: its session ended (logout), or the user's access changed
    /// (password, lock, role, withdrawal) after it was issued.
    #[error("the token has been revoked")]
    Revoked,
}

impl Rejection {
    /// The machine-readable reason, as the user service's API and logs write it.
    pub fn code(self) -> &'static str {
        match self {
            Rejection::Malformed => "malformed",
            Rejection::UnsupportedAlgorithm => "unsupported_algorithm",
            Rejection::UnknownKey => "unknown_key",
            Rejection::BadSignature => "bad_signature",
            Rejection::Expired => "expired",
            Rejection::NotYetValid => "not_yet_valid",
            Rejection::WrongIssuer => "wrong_issuer",
            Rejection::WrongAudience => "wrong_audience",
            Rejection::Revoked => "revoked",
        }
    }

    pub const ALL: [Rejection; 9] = [
        Rejection::Malformed,
        Rejection::UnsupportedAlgorithm,
        Rejection::UnknownKey,
        Rejection::BadSignature,
        Rejection::Expired,
        Rejection::NotYetValid,
        Rejection::WrongIssuer,
        Rejection::WrongAudience,
        Rejection::Revoked,
    ];
}
