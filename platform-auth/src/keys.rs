use std::collections::HashMap;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use jsonwebtoken::{
    jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm,
        OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse, ThumbprintHash,
    },
    DecodingKey,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key is not an Ed25519 public key")]
    NotEd25519,
    #[error("the key's id could not be computed")]
    Thumbprint,
}

/// The public keys tokens may be signed with, by key id (`kid`). Only Ed25519 keys are kept.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: HashMap<String, DecodingKey>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.keys.keys()).finish()
    }
}

impl KeySet {
    /// The usable keys of a JWKS: Ed25519 keys with an id whose public value is a valid point.
    /// Anything else (another key type, a key without an id, garbage) is left out, so a
    /// strange entry in the JWKS never makes a token acceptable, nor a verifier fail.
    pub fn from_jwks(jwks: &JwkSet) -> Self {
        let keys = jwks
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                let AlgorithmParameters::OctetKeyPair(params) = &jwk.algorithm else {
                    return None;
                };
                if params.curve != EllipticCurve::Ed25519 {
                    return None;
                }
                let public = URL_SAFE_NO_PAD.decode(&params.x).ok()?;
                let public: [u8; 32] = public.try_into().ok()?;
                Some((kid, decoding_key(&public)?))
            })
            .collect();
        Self { keys }
    }

    /// Adds a public key under its id.
    pub fn insert(&mut self, kid: String, public: &[u8; 32]) -> Result<(), KeyError> {
        let key = decoding_key(public).ok_or(KeyError::NotEd25519)?;
        self.keys.insert(kid, key);
        Ok(())
    }

    pub fn get(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.get(kid)
    }

    pub fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn decoding_key(public: &[u8; 32]) -> Option<DecodingKey> {
    ed25519_dalek::VerifyingKey::from_bytes(public).ok()?;
    DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(public)).ok()
}

/// The JWK of an Ed25519 public key, named by its RFC 7638 thumbprint (SHA-256): the same key
/// always gets the same id, on every node, with nothing to configure.
pub fn public_jwk(public: &[u8; 32]) -> Result<Jwk, KeyError> {
    ed25519_dalek::VerifyingKey::from_bytes(public).map_err(|_| KeyError::NotEd25519)?;
    let mut jwk = Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::EdDSA),
            ..CommonParameters::default()
        },
        algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: URL_SAFE_NO_PAD.encode(public),
        }),
    };
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|_| KeyError::Thumbprint)?;
    jwk.common.key_id = Some(kid);
    Ok(jwk)
}
