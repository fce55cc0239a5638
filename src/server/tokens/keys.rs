//! The keys access tokens are signed with: one signs, earlier ones still verify until the
//! tokens they signed have expired, and all of them are published in the JWKS.
//!
//! A key is an Ed25519 private key in a PKCS#8 PEM file, as `user-service
//! generate-signing-key` or `openssl genpkey -algorithm ed25519` writes it. A verify-only key
//! may also be given as its public key (`-----BEGIN PUBLIC KEY-----`). A key's id (`kid`) is
//! its RFC 7638 thumbprint, so every node names the same key the same way.

use ed25519_dalek::pkcs8::{
    spki::der::pem::LineEnding, DecodePrivateKey, DecodePublicKey, EncodePrivateKey,
};
use jsonwebtoken::{jwk::JwkSet, EncodingKey, Header};
use platform_auth::{public_jwk, AccessClaims, KeySet, ALGORITHM, TOKEN_TYPE};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no PEM block found (expected -----BEGIN PRIVATE KEY-----)")]
    NoKey,
    #[error("PEM block {0} is not an Ed25519 key in PKCS#8 (private) or SPKI (public) form")]
    NotEd25519(usize),
    #[error("the signing key must be a private key, not a public one")]
    PublicSigningKey,
    #[error("more than one key where one signing key was expected")]
    SeveralSigningKeys,
}

/// The signing key, and every key tokens are still verified with.
#[derive(Clone)]
pub struct SigningKeys {
    kid: String,
    encoding: EncodingKey,
    verifying: KeySet,
    jwks: JwkSet,
    /// Generated at start-up for local development (see `config`): gone at the next start.
    ephemeral: bool,
}

/// Prints the key ids, never a key.
impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("signing_kid", &self.kid)
            .field("verifying", &self.verifying)
            .field("ephemeral", &self.ephemeral)
            .finish()
    }
}

/// One key read from PEM: its public half, and its private half if it has one.
struct ParsedKey {
    public: [u8; 32],
    private: Option<ed25519_dalek::SigningKey>,
}

impl SigningKeys {
    /// `signing`: exactly one private key (PEM). `previous`: any number of earlier keys, private
    /// or public, one PEM block after another.
    pub fn from_pem(signing: &SecretString, previous: Option<&str>) -> Result<Self, KeyError> {
        let mut signing_keys = parse_pem_blocks(signing.expose_secret())?;
        if signing_keys.len() > 1 {
            return Err(KeyError::SeveralSigningKeys);
        }
        let key = signing_keys.pop().ok_or(KeyError::NoKey)?;
        let private = key.private.ok_or(KeyError::PublicSigningKey)?;
        let previous = match previous {
            Some(text) => parse_pem_blocks(text)?,
            None => Vec::new(),
        };
        Self::assemble(&private, previous.iter().map(|k| k.public).collect(), false)
    }

    /// A key made up on the spot, for local development and tests.
    pub fn ephemeral() -> Self {
        let key = generate();
        // A fresh key always assembles.
        Self::assemble(&key, Vec::new(), true).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn assemble(
        private: &ed25519_dalek::SigningKey,
        previous: Vec<[u8; 32]>,
        ephemeral: bool,
    ) -> Result<Self, KeyError> {
        let der = private
            .to_pkcs8_der()
            .map_err(|_| KeyError::NotEd25519(1))?;
        let encoding = EncodingKey::from_ed_der(der.as_bytes());
        let public = private.verifying_key().to_bytes();
        let mut jwks = JwkSet::default();
        let mut verifying = KeySet::default();
        let mut kid = String::new();
        for (i, key) in std::iter::once(public).chain(previous).enumerate() {
            let jwk = public_jwk(&key).map_err(|_| KeyError::NotEd25519(i + 1))?;
            let id = jwk.common.key_id.clone().unwrap_or_default();
            if verifying.contains(&id) {
                continue;
            }
            verifying
                .insert(id.clone(), &key)
                .map_err(|_| KeyError::NotEd25519(i + 1))?;
            if i == 0 {
                kid = id;
            }
            jwks.keys.push(jwk);
        }
        Ok(Self {
            kid,
            encoding,
            verifying,
            jwks,
            ephemeral,
        })
    }

    /// Signs `claims` with the current key, `kid` and `typ` in the header.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.kid.clone());
        header.typ = Some(TOKEN_TYPE.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    pub fn signing_kid(&self) -> &str {
        &self.kid
    }

    pub fn verifying(&self) -> &KeySet {
        &self.verifying
    }

    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    pub fn is_ephemeral(&self) -> bool {
        self.ephemeral
    }
}

/// A new Ed25519 key: its id and its PKCS#8 PEM (a secret: write it where only the service
/// can read it).
pub fn generate_pem() -> (String, SecretString) {
    let key = generate();
    let kid = public_jwk(&key.verifying_key().to_bytes())
        .ok()
        .and_then(|jwk| jwk.common.key_id)
        .unwrap_or_default();
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map(|pem| SecretString::from(pem.as_str()))
        .unwrap_or_else(|e| unreachable!("an Ed25519 key always encodes: {e}"));
    (kid, pem)
}

fn generate() -> ed25519_dalek::SigningKey {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    seed.fill(0);
    key
}

/// Every PEM block of `text`, in order.
fn parse_pem_blocks(text: &str) -> Result<Vec<ParsedKey>, KeyError> {
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let label_end = block[11..].find("-----").map(|i| i + 11);
        let label = label_end.map(|end| &block[11..end]).unwrap_or_default();
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker) else {
            return Err(KeyError::NotEd25519(keys.len() + 1));
        };
        let pem = &block[..end + end_marker.len()];
        let n = keys.len() + 1;
        let key = match label {
            "PRIVATE KEY" => {
                let private = ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
                    .map_err(|_| KeyError::NotEd25519(n))?;
                ParsedKey {
                    public: private.verifying_key().to_bytes(),
                    private: Some(private),
                }
            }
            "PUBLIC KEY" => ParsedKey {
                public: ed25519_dalek::VerifyingKey::from_public_key_pem(pem)
                    .map_err(|_| KeyError::NotEd25519(n))?
                    .to_bytes(),
                private: None,
            },
            _ => return Err(KeyError::NotEd25519(n)),
        };
        keys.push(key);
        rest = &block[end + end_marker.len()..];
    }
    if keys.is_empty() && !text.trim().is_empty() {
        return Err(KeyError::NoKey);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_reads_back_with_the_same_id() {
        let (kid, pem) = generate_pem();
        let keys = SigningKeys::from_pem(&pem, None).unwrap();
        assert_eq!(keys.signing_kid(), kid);
        assert_eq!(kid.len(), 43, "a base64url SHA-256 thumbprint");
        assert_eq!(keys.jwks().keys.len(), 1);
        assert!(!keys.is_ephemeral());
    }

    #[test]
    fn previous_keys_verify_and_are_published_but_do_not_sign() {
        let (old_kid, old_pem) = generate_pem();
        let (new_kid, new_pem) = generate_pem();
        let public_only =
            ed25519_dalek::SigningKey::from_pkcs8_pem(generate_pem().1.expose_secret())
                .unwrap()
                .verifying_key();
        let public_pem =
            ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(&public_only, LineEnding::LF)
                .unwrap();
        let previous = format!("{}\n{public_pem}", old_pem.expose_secret());
        let keys = SigningKeys::from_pem(&new_pem, Some(&previous)).unwrap();
        assert_eq!(keys.signing_kid(), new_kid);
        assert!(keys.verifying().contains(&old_kid));
        assert_eq!(keys.verifying().len(), 3);
        let published: Vec<_> = keys
            .jwks()
            .keys
            .iter()
            .filter_map(|k| k.common.key_id.clone())
            .collect();
        assert_eq!(published[0], new_kid);
        assert!(published.contains(&old_kid));
    }

    #[test]
    fn garbage_public_or_several_signing_keys_are_refused() {
        let garbage =
            SecretString::from("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----");
        assert_eq!(
            SigningKeys::from_pem(&garbage, None).unwrap_err(),
            KeyError::NotEd25519(1)
        );
        assert_eq!(
            SigningKeys::from_pem(&SecretString::from("hello"), None).unwrap_err(),
            KeyError::NoKey
        );
        let (_, a) = generate_pem();
        let (_, b) = generate_pem();
        let two = SecretString::from(format!("{}{}", a.expose_secret(), b.expose_secret()));
        assert_eq!(
            SigningKeys::from_pem(&two, None).unwrap_err(),
            KeyError::SeveralSigningKeys
        );
        let rsa = SecretString::from(
            "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
        );
        assert_eq!(
            SigningKeys::from_pem(&rsa, None).unwrap_err(),
            KeyError::NotEd25519(1)
        );
    }
}
