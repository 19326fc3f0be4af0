//! The ES256 (P-256) keys that sign access tokens: a set that rotates
//! without signing anyone out. Each key has an id (the tokens' `kid`) and
//! the time it starts signing. A new key joins the set `publish_ahead`
//! before it signs, so every instance and every JWKS cache knows it first;
//! the key it replaces stays until the last token it signed has expired.
//!
//! The set is one JSON document (`{"keys":[{kid, privateKey, signsFrom}]}`),
//! kept in Secrets Manager in AWS and in `.local/signing-keys.json` locally.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};

use crate::domain::Secret;

/// The longest an access token can live (`apps set --access-token-lifetime`).
pub const LONGEST_TOKEN_LIFETIME: i64 = 86_400;

/// One key as the set stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoredKey {
    pub kid: String,
    /// The PKCS#8 private key, base64url.
    private_key: Secret,
    /// Unix seconds from which the key signs (until a later key does).
    pub signs_from: i64,
}

/// Every key the deployment publishes, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySet {
    pub keys: Vec<StoredKey>,
}

/// How a rotation times the keys it adds and drops.
#[derive(Debug, Clone, Copy)]
pub struct Rotation {
    /// Seconds a new key is published before it signs: at least how long an
    /// instance keeps the set before reading it again, plus how long a
    /// client may cache the JWKS.
    pub publish_ahead: i64,
    /// Seconds a key stays published after a later one took over: the
    /// longest token lifetime, plus the leeway verifiers allow.
    pub retain: i64,
}

impl Rotation {
    pub fn new(publish_ahead: i64) -> Self {
        Self {
            publish_ahead,
            retain: LONGEST_TOKEN_LIFETIME + 300,
        }
    }
}

/// Why a key set cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeySetError(String);

fn invalid(reason: impl Into<String>) -> KeySetError {
    KeySetError(reason.into())
}

impl KeySet {
    /// Parses and checks a stored set: at least one key, distinct ids, every
    /// private key a P-256 key.
    pub fn parse(text: &str) -> Result<Self, KeySetError> {
        let set: KeySet =
            serde_json::from_str(text).map_err(|err| invalid(format!("not a key set: {err}")))?;
        Keys::new(&set)?;
        Ok(set)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a key set serializes")
    }

    /// The set after a rotation at `now`: a new key is added, signing at once
    /// if no key signs yet, else `publish_ahead` from now; keys replaced
    /// more than `retain` ago are dropped.
    pub fn rotated(&self, now: i64, rotation: Rotation) -> Result<KeySet, KeySetError> {
        let starts = |index: usize| self.keys.get(index).map(|key| key.signs_from);
        let mut keys: Vec<StoredKey> = self
            .keys
            .iter()
            .enumerate()
            .filter(|(index, _)| match starts(index + 1) {
                Some(replaced_at) => replaced_at + rotation.retain > now,
                None => true,
            })
            .map(|(_, key)| key.clone())
            .collect();
        let signing_now = keys.iter().any(|key| key.signs_from <= now);
        let signs_from = if signing_now {
            now + rotation.publish_ahead
        } else {
            now
        };
        keys.push(generate(now, signs_from)?);
        Ok(KeySet { keys })
    }
}

/// A fresh P-256 key signing from `signs_from`.
fn generate(now: i64, signs_from: i64) -> Result<StoredKey, KeySetError> {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .map_err(|_| invalid("generating a P-256 key failed"))?;
    let day = time::OffsetDateTime::from_unix_timestamp(now)
        .map_err(|err| invalid(err.to_string()))?
        .date();
    let kid = format!(
        "{:04}{:02}{:02}-{}",
        day.year(),
        u8::from(day.month()),
        day.day(),
        hex::encode(rand::random::<[u8; 4]>())
    );
    Ok(StoredKey {
        kid,
        private_key: Secret::new(URL_SAFE_NO_PAD.encode(pkcs8.as_ref())),
        signs_from,
    })
}

/// One key, ready to sign and verify.
pub struct Key {
    pub kid: String,
    pub signs_from: i64,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// Its public half, as the JWKS shows it.
    pub jwk: Jwk,
}

/// A key set, loaded.
pub struct Keys(Vec<Key>);

impl Keys {
    pub fn new(set: &KeySet) -> Result<Self, KeySetError> {
        if set.keys.is_empty() {
            return Err(invalid("the key set has no key"));
        }
        let mut keys: Vec<Key> = Vec::with_capacity(set.keys.len());
        for stored in &set.keys {
            if keys.iter().any(|key| key.kid == stored.kid) {
                return Err(invalid(format!("two keys have kid {:?}", stored.kid)));
            }
            keys.push(load(stored)?);
        }
        keys.sort_by_key(|key| key.signs_from);
        Ok(Self(keys))
    }

    /// The key that signs at `now`: the latest to have started. Before the
    /// first one starts, the first (a set's first key signs from its creation).
    pub fn signer(&self, now: i64) -> &Key {
        self.0
            .iter()
            .rev()
            .find(|key| key.signs_from <= now)
            .unwrap_or(&self.0[0])
    }

    /// The key whose id a token's header names.
    pub fn by_kid(&self, kid: &str) -> Option<&Key> {
        self.0.iter().find(|key| key.kid == kid)
    }

    /// The public keys, as `{issuer}.well-known/jwks.json` serves them.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.0.iter().map(|key| key.jwk.clone()).collect(),
        }
    }
}

fn load(stored: &StoredKey) -> Result<Key, KeySetError> {
    let der = URL_SAFE_NO_PAD
        .decode(stored.private_key.expose())
        .map_err(|_| invalid(format!("key {:?}: privateKey is not base64url", stored.kid)))?;
    // Parsing it as a P-256 key pair is what proves it is one.
    aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &der,
    )
    .map_err(|_| {
        invalid(format!(
            "key {:?}: privateKey is not a P-256 PKCS#8 key",
            stored.kid
        ))
    })?;
    let encoding = EncodingKey::from_ec_der(&der);
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256)
        .map_err(|err| invalid(format!("key {:?}: {err}", stored.kid)))?;
    jwk.common.key_id = Some(stored.kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let decoding =
        DecodingKey::from_jwk(&jwk).map_err(|err| invalid(format!("key {:?}: {err}", stored.kid)))?;
    Ok(Key {
        kid: stored.kid.clone(),
        signs_from: stored.signs_from,
        encoding,
        decoding,
        jwk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn rotation() -> Rotation {
        Rotation::new(3_600)
    }

    #[test]
    fn the_first_key_signs_at_once_and_a_later_one_only_after_publish_ahead() {
        let now = 1_800_000_000;
        let first = KeySet::default().rotated(now, rotation()).unwrap();
        assert_eq!(first.keys.len(), 1);
        assert_eq!(first.keys[0].signs_from, now);
        let second = first.rotated(now + DAY, rotation()).unwrap();
        assert_eq!(second.keys.len(), 2);
        assert_eq!(second.keys[1].signs_from, now + DAY + 3_600);
        let keys = Keys::new(&second).unwrap();
        assert_eq!(keys.signer(now + DAY).kid, first.keys[0].kid);
        assert_eq!(keys.signer(now + DAY + 3_600).kid, second.keys[1].kid);
        // Both are published from the rotation on.
        assert_eq!(keys.jwks().keys.len(), 2);
        assert_ne!(first.keys[0].kid, second.keys[1].kid);
    }

    #[test]
    fn a_replaced_key_stays_until_its_last_token_expired() {
        let now = 1_800_000_000;
        let set = KeySet::default().rotated(now, rotation()).unwrap();
        let set = set.rotated(now + 30 * DAY, rotation()).unwrap();
        let replaced_at = set.keys[1].signs_from;
        let still = set
            .rotated(replaced_at + LONGEST_TOKEN_LIFETIME, rotation())
            .unwrap();
        assert!(still.keys.iter().any(|key| key.kid == set.keys[0].kid));
        let later = set.rotated(replaced_at + rotation().retain, rotation()).unwrap();
        assert!(!later.keys.iter().any(|key| key.kid == set.keys[0].kid));
        assert_eq!(later.keys.len(), 2);
    }

    #[test]
    fn the_jwks_shows_public_keys_only() {
        let set = KeySet::default().rotated(1_800_000_000, rotation()).unwrap();
        let jwks = serde_json::to_value(Keys::new(&set).unwrap().jwks()).unwrap();
        let key = &jwks["keys"][0];
        assert_eq!(key["kty"], "EC");
        assert_eq!(key["crv"], "P-256");
        assert_eq!(key["alg"], "ES256");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["kid"], set.keys[0].kid.as_str());
        assert!(key.get("d").is_none(), "{key}");
        assert!(!jwks.to_string().contains(set.keys[0].private_key.expose()));
    }

    #[test]
    fn refuses_sets_it_cannot_sign_with() {
        let set = KeySet::default().rotated(1_800_000_000, rotation()).unwrap();
        assert!(KeySet::parse(&set.to_json()).is_ok());
        assert!(KeySet::parse(r#"{"keys":[]}"#).is_err());
        assert!(KeySet::parse("a generated placeholder").is_err());
        let twice = KeySet {
            keys: vec![set.keys[0].clone(), set.keys[0].clone()],
        };
        assert!(
            KeySet::parse(&twice.to_json())
                .unwrap_err()
                .to_string()
                .contains("two keys")
        );
        let broken = set.to_json().replace(set.keys[0].private_key.expose(), "AAAA");
        assert!(KeySet::parse(&broken).unwrap_err().to_string().contains("P-256"));
    }
}
