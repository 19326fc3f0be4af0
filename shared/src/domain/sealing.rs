//! Sealing secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256)
//! from a deployment key for one purpose, each sealed value bound to what it
//! belongs to (its binding is the AEAD's associated data), so a value copied
//! to another item, user or field does not open. Every secret the table
//! keeps goes through a `Sealer`: users' TOTP secrets, app secrets, WeChat
//! AppSecrets, access tokens and jsapi tickets.

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;

/// The nonce opens every sealed value: 96 random bits, fresh each time.
pub const NONCE_BYTES: usize = 12;

/// A sealed value that does not open: another key, another binding, or
/// changed bytes. AES-GCM does not say which, nor should it.
#[derive(Debug, thiserror::Error)]
#[error("the sealed value does not open with this key for this owner")]
pub struct Unopenable;

/// One purpose's cipher. Built once per cold start.
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(<key>)")
    }
}

impl Sealer {
    /// The sealer of `purpose` under deployment key `key`, of any length.
    /// Two purposes sealing under the same key never open each other's values.
    pub fn new(key: &[u8], purpose: &[u8]) -> Self {
        let mut derived = [0u8; 32];
        Hkdf::<Sha256>::new(None, key)
            .expand(purpose, &mut derived)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self {
            cipher: Aes256Gcm::new(&derived.into()),
        }
    }

    /// `plain` sealed for `binding`: the nonce, then the ciphertext and tag.
    pub fn seal(&self, binding: &[u8], plain: &[u8]) -> Vec<u8> {
        let nonce = Nonce::generate();
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: binding,
                },
            )
            // AES-GCM refuses only messages of 64 GiB and more.
            .expect("a secret is far shorter than AES-GCM's limit");
        [nonce.as_slice(), &sealed].concat()
    }

    /// What `seal` sealed for `binding`.
    pub fn open(&self, binding: &[u8], sealed: &[u8]) -> Result<Vec<u8>, Unopenable> {
        if sealed.len() <= NONCE_BYTES {
            return Err(Unopenable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let nonce = Nonce::try_from(nonce).map_err(|_| Unopenable)?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: binding,
                },
            )
            .map_err(|_| Unopenable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_for_its_key_purpose_and_binding() {
        let sealer = Sealer::new(&[1; 32], b"one purpose");
        let sealed = sealer.seal(b"app 1 secret", b"s3cr3t");
        assert!(!sealed.windows(6).any(|window| window == b"s3cr3t"));
        assert_eq!(sealer.open(b"app 1 secret", &sealed).unwrap(), b"s3cr3t");
        assert!(sealer.open(b"app 2 secret", &sealed).is_err(), "another owner");
        assert!(
            Sealer::new(&[1; 32], b"another purpose")
                .open(b"app 1 secret", &sealed)
                .is_err()
        );
        assert!(
            Sealer::new(&[2; 32], b"one purpose")
                .open(b"app 1 secret", &sealed)
                .is_err()
        );
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert!(sealer.open(b"app 1 secret", &changed).is_err(), "changed bytes");
        assert!(
            sealer.open(b"app 1 secret", &sealed[..NONCE_BYTES]).is_err(),
            "too short"
        );
        assert_ne!(
            sealed,
            sealer.seal(b"app 1 secret", b"s3cr3t"),
            "fresh nonce each time"
        );
    }
}
