//! The credentials the platform's other services present to the service endpoints
//! (introspection, user look-up): `Authorization: Bearer <secret>`. Configured as
//! `SERVICE_CREDENTIALS=events:<secret>,analytics:<secret>`; the name says in the logs who
//! asked. Only SHA-256 digests are kept, and every presented secret is compared with every
//! configured one in constant time (`subtle`), so neither the timing nor the order of the
//! list tells how close a guess came.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The shortest secret accepted: 32 characters (`openssl rand -hex 32` gives 64).
pub const MIN_SECRET_CHARS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("entry {0} is not name:secret")]
    NotAPair(usize),
    #[error("entry {0}: a name is 1-40 characters of a-z, 0-9, - and _")]
    BadName(usize),
    #[error("entry {0}: the secret is shorter than {MIN_SECRET_CHARS} characters")]
    ShortSecret(usize),
    #[error("the name {0:?} is used twice")]
    DuplicateName(String),
}

#[derive(Clone, Default)]
pub struct ServiceCredentials {
    entries: Vec<(String, [u8; 32])>,
}

/// Names only, never a secret.
impl std::fmt::Debug for ServiceCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|(name, _)| name))
            .finish()
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl ServiceCredentials {
    /// `name:secret` pairs separated by commas.
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let mut entries: Vec<(String, [u8; 32])> = Vec::new();
        for (i, pair) in raw.split(',').map(str::trim).enumerate() {
            let n = i + 1;
            let (name, secret) = pair.split_once(':').ok_or(CredentialError::NotAPair(n))?;
            let name = name.trim();
            let valid_name = (1..=40).contains(&name.len())
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            if !valid_name {
                return Err(CredentialError::BadName(n));
            }
            if secret.chars().count() < MIN_SECRET_CHARS {
                return Err(CredentialError::ShortSecret(n));
            }
            if entries.iter().any(|(existing, _)| existing == name) {
                return Err(CredentialError::DuplicateName(name.to_owned()));
            }
            entries.push((name.to_owned(), digest(secret)));
        }
        Ok(Self { entries })
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The name of the service whose secret `presented` is, if any.
    pub fn authenticate(&self, presented: &str) -> Option<&str> {
        let presented = digest(presented);
        let mut found = None;
        for (name, expected) in &self.entries {
            if bool::from(expected.ct_eq(&presented)) {
                found = Some(name.as_str());
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn a_configured_secret_names_its_service_and_nothing_else_does() {
        let creds = ServiceCredentials::parse(&format!("events:{A}, analytics:{B}")).unwrap();
        assert_eq!(creds.authenticate(A), Some("events"));
        assert_eq!(creds.authenticate(B), Some("analytics"));
        assert_eq!(creds.authenticate(&A[1..]), None);
        assert_eq!(creds.authenticate(""), None);
        assert!(!format!("{creds:?}").contains(A));
    }

    #[test]
    fn malformed_lists_are_refused_with_the_entry_number() {
        assert_eq!(
            ServiceCredentials::parse("events").unwrap_err(),
            CredentialError::NotAPair(1)
        );
        assert_eq!(
            ServiceCredentials::parse(&format!("events:{A},Bad Name:{B}")).unwrap_err(),
            CredentialError::BadName(2)
        );
        assert_eq!(
            ServiceCredentials::parse("events:short").unwrap_err(),
            CredentialError::ShortSecret(1)
        );
        assert!(matches!(
            ServiceCredentials::parse(&format!("x:{A},x:{B}")),
            Err(CredentialError::DuplicateName(_))
        ));
    }
}
