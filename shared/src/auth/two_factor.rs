//! Two-factor sign-in with an authenticator app: RFC 6238 TOTP with the
//! parameters every authenticator assumes (SHA-1, 6 digits, 30 s steps),
//! accepting one step of clock skew either way. Secrets are sealed with
//! AES-256-GCM under a key of their own, bound to the user they belong to,
//! so a table dump or a copied item reveals nothing usable.

use serde::Serialize;
use totp_rs::{Algorithm, Builder, Totp};

use crate::domain::sealing::Sealer;
use crate::domain::{App, Error, User};

pub const CODE_DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;
const SKEW_STEPS: u16 = 1;
/// 160 bits, as RFC 4226 recommends for HMAC-SHA-1.
const SECRET_BYTES: usize = 20;
/// Marks the sealing scheme, so a later one can be told apart.
const SEALED_PREFIX: &str = "v1:";
/// Separates this key's use from any other use of the same key material.
const KEY_INFO: &[u8] = b"oauthapp two-factor secret sealing v1";

/// What `GET TwoFactorAuth` answers: the new secret, once, for the user to
/// add to their authenticator.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrolment {
    /// The label the authenticator shows.
    pub account: String,
    /// The secret in base32, for typing it in.
    pub manual_entry_key: String,
    /// The `otpauth://` URI as a PNG QR code in a data URL, for scanning.
    pub qr_code_setup_image_url: String,
}

/// Seals and opens TOTP secrets. Built once per cold start.
pub struct SecretBox {
    sealer: Sealer,
}

impl SecretBox {
    /// `key` is the deployment's two-factor key (`TWO_FACTOR_KEY`).
    pub fn new(key: &[u8]) -> Self {
        Self {
            sealer: Sealer::new(key, KEY_INFO),
        }
    }

    /// `secret` sealed for `user`: `v1:` and hex of nonce and ciphertext.
    pub fn seal(&self, user: &User, secret: &[u8]) -> String {
        let sealed = self.sealer.seal(&owner(user), secret);
        format!("{SEALED_PREFIX}{}", hex::encode(sealed))
    }

    /// The secret `seal` sealed for `user`. Fails for another user's secret
    /// or one sealed under another key.
    pub fn open(&self, user: &User, sealed: &str) -> Result<Vec<u8>, Error> {
        sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|hex_text| hex::decode(hex_text).ok())
            .and_then(|bytes| self.sealer.open(&owner(user), &bytes).ok())
            .ok_or_else(|| {
                Error::internal(format!(
                    "the two-factor secret of user {} of app {} cannot be opened (was TWO_FACTOR_KEY replaced?)",
                    user.id, user.app_id
                ))
            })
    }
}

/// Binds a sealed secret to its user: moving it to another item fails to open.
fn owner(user: &User) -> Vec<u8> {
    format!("app {} user {}", user.app_id, user.id).into_bytes()
}

/// A fresh random secret.
pub fn new_secret() -> Vec<u8> {
    rand::random::<[u8; SECRET_BYTES]>().to_vec()
}

/// TOTP with this service's parameters over `secret`.
fn totp(secret: Vec<u8>) -> Builder {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(CODE_DIGITS as u8)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
}

/// What the authenticator shows for the user: their user name, else their
/// nickname, else their id.
fn account_name(user: &User) -> String {
    user.user_name
        .clone()
        .filter(|name| !name.is_empty())
        .or_else(|| Some(user.nick_name.clone()).filter(|name| !name.is_empty()))
        .unwrap_or_else(|| format!("user {}", user.id))
}

/// `otpauth://` labels separate issuer and account with `:`, so neither may
/// contain one.
fn label(text: &str, fallback: &str) -> String {
    let cleaned = text.replace(':', " ").trim().to_owned();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// The enrolment answer for a new `secret`.
pub fn enrolment(secret: Vec<u8>, app: &App, user: &User) -> Result<Enrolment, Error> {
    // Labelled with the app and the user, as the authenticator lists it.
    let totp: Totp = totp(secret)
        .with_issuer(Some(label(&app.card.name, "OAuthApp")))
        .with_account_name(label(&account_name(user), "user"))
        .build()
        .map_err(Error::internal)?;
    let image = totp.to_qr_base64().map_err(Error::internal)?;
    Ok(Enrolment {
        account: totp.account_name().to_owned(),
        manual_entry_key: totp.secret().to_base32(),
        qr_code_setup_image_url: format!("data:image/png;base64,{image}"),
    })
}

/// Whether `code` has the shape of a code: exactly `CODE_DIGITS` digits.
pub fn is_code(code: &str) -> bool {
    code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

/// The time step whose code `code` is, within one step of `now`, if any.
pub fn matching_step(secret: Vec<u8>, code: &str, now: i64) -> Result<Option<u64>, Error> {
    let totp = totp(secret).build().map_err(Error::internal)?;
    Ok(u64::try_from(now).ok().and_then(|now| totp.check(code, now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PointTotals, TwoFactorState};
    fn user(id: u64) -> User {
        User {
            app_id: 3,
            id,
            user_name: Some("ann".into()),
            platform: "web".into(),
            union_id: None,
            phone: String::new(),
            phone_is_valid: false,
            email: String::new(),
            email_is_valid: false,
            nick_name: String::new(),
            avatar: String::new(),
            data: None,
            details: Default::default(),
            birthday: None,
            switches: Default::default(),
            role: "user".into(),
            has_password: true,
            created_at: 0,
            updated_at: 0,
            points: PointTotals::default(),
            binding_sequence: 0,
            wechat_open_id: None,
            wechat_union_id: None,
            two_factor: TwoFactorState::default(),
            sessions: Vec::new(),
            password_hash: None,
            sessions_ended_at: None,
        }
    }

    #[test]
    fn matches_the_rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 seed, codes truncated to 6 digits.
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
        ] {
            let step = matching_step(secret.to_vec(), code, time).unwrap();
            assert_eq!(step, Some(time as u64 / 30), "t={time}");
        }
        let at = |code, time| matching_step(secret.to_vec(), code, time).unwrap();
        assert_eq!(at("287082", 59 + 30), Some(1), "one step late");
        assert_eq!(at("287082", 59 + 60), None, "two steps late");
        assert_eq!(at("28708", 59), None);
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_user_and_key() {
        let sealer = SecretBox::new(&[1; 32]);
        let secret = new_secret();
        let sealed = sealer.seal(&user(1), &secret);
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert!(!sealed.contains(&hex::encode(&secret)));
        assert_eq!(sealer.open(&user(1), &sealed).unwrap(), secret);
        assert!(sealer.open(&user(2), &sealed).is_err());
        assert!(SecretBox::new(&[2; 32]).open(&user(1), &sealed).is_err());
        assert_ne!(sealed, sealer.seal(&user(1), &secret), "fresh nonce each time");
    }

    #[test]
    fn enrolment_gives_the_key_the_uri_encodes() {
        let app_card = crate::domain::AppCard {
            name: "Docs: v1".into(),
            ..Default::default()
        };
        let app = App {
            id: 3,
            key: "docs".into(),
            secret: Default::default(),
            tenant_id: String::new(),
            tenant_name: String::new(),
            card: app_card,
            union_id_proof: Default::default(),
            password_policy: Default::default(),
            qr_mode: Default::default(),
            web_origins: Vec::new(),
            rate_limit_per_ip: None,
            access_token_lifetime: None,
            wechat: Default::default(),
            verification: Default::default(),
            properties: Default::default(),
            currencies: Default::default(),
            created_at: 0,
        };
        let secret = new_secret();
        let enrolment = enrolment(secret.clone(), &app, &user(1)).unwrap();
        assert_eq!(enrolment.account, "ann");
        assert_eq!(enrolment.manual_entry_key.len(), 32, "160 bits in base32");
        assert!(
            enrolment
                .qr_code_setup_image_url
                .starts_with("data:image/png;base64,iVBOR")
        );
        let rebuilt = totp_rs::Secret::try_from_base32(&enrolment.manual_entry_key).unwrap();
        assert_eq!(rebuilt.as_ref(), secret.as_slice());
    }
}
