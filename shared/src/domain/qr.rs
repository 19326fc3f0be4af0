//! The life of a QR sign-in key: created → scanned → confirmed (bound to
//! one user) → redeemed, within a lifetime. The store makes each step one
//! conditional write; these are the states, what a step asks the caller to
//! hold, and the reasons a step is refused.
//!
//! In strict mode the web page proves it started the sign-in with a PKCE
//! code verifier (RFC 7636, S256), and the first scan claims the key for its
//! device with a scan ticket. The key item holds neither secret: only the
//! verifier's challenge and the ticket's hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngExt;
use serde::{Deserialize, Deserializer, Serialize};

use super::Inherited;
use super::session::Presented;
use sha2::{Digest, Sha256};

/// Keys stay below 2^53 so JavaScript reads them exactly.
pub const KEY_LIMIT: u64 = 1 << 53;
/// Keys start above 2^52: every key has 16 decimal digits, none is small.
pub const KEY_FLOOR: u64 = 1 << 52;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrState {
    Created,
    Scanned,
    Confirmed,
    Redeemed,
}

impl QrState {
    pub fn as_str(self) -> &'static str {
        match self {
            QrState::Created => "created",
            QrState::Scanned => "scanned",
            QrState::Confirmed => "confirmed",
            QrState::Redeemed => "redeemed",
        }
    }
}

/// What the web page asked for when it showed the code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrRequest {
    pub scopes: String,
    pub remark: String,
    pub scheme: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrKey {
    pub key: u64,
    pub app_id: u64,
    pub state: QrState,
    #[serde(flatten)]
    pub request: QrRequest,
    pub expires_at: i64,
    /// The challenge of the web page's code verifier, if it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<CodeChallenge>,
    /// The hash of the scan ticket of the device that claimed the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_ticket_hash: Option<ScanTicketHash>,
    /// The confirming user, once confirmed. The web page's token is minted
    /// when the key is redeemed: no token is stored.
    pub user_id: Option<u64>,
    /// For a key confirmed by presenting a token (Confirm-Login): that
    /// token's sign-in time and expiry, which the web page's token inherits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<i64>,
    /// And that token's session, which the page's session ends with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirming_session: Option<String>,
}

/// What a step asks the caller to hold, besides the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holding<'a> {
    Nothing,
    /// The ticket of the device that claimed the key (by its hash); `None`:
    /// the caller has none, which does only for a key nobody claimed.
    ScanTicket(Option<&'a ScanTicketHash>),
    /// The web page's code verifier (by its challenge); `None`: it has
    /// none, which does only for a key issued without a challenge.
    CodeVerifier(Option<&'a CodeChallenge>),
}

impl QrKey {
    /// For a key confirmed by presenting a token: what the page's session
    /// inherits from it.
    pub fn presented(&self) -> Option<Presented> {
        Some(Presented {
            inherited: Inherited {
                auth_time: self.auth_time?,
                expires_at: self.token_expires_at?,
            },
            session_id: self.confirming_session.clone(),
        })
    }

    /// Whether a step from one of `from` holding `holding` may be taken:
    /// the rule the store's conditional write enforces, for explaining a
    /// refusal and for steps that only read.
    pub fn admits(&self, app_id: u64, now: i64, from: &[QrState], holding: Holding) -> Result<(), QrRefusal> {
        if self.app_id != app_id {
            // Another app's key is no key of this app.
            return Err(QrRefusal::Unknown);
        }
        if self.expires_at <= now {
            return Err(QrRefusal::Expired);
        }
        match holding {
            Holding::ScanTicket(held) if held != self.scan_ticket_hash.as_ref() => {
                return Err(QrRefusal::WrongScanTicket);
            }
            Holding::CodeVerifier(held) if held != self.code_challenge.as_ref() => {
                return Err(QrRefusal::WrongCodeVerifier);
            }
            _ => {}
        }
        if !from.contains(&self.state) {
            return Err(QrRefusal::WrongState(self.state));
        }
        Ok(())
    }
}

/// The S256 challenge of a PKCE code verifier: the base64url (no padding)
/// SHA-256 of the verifier, 43 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CodeChallenge(String);

impl TryFrom<String> for CodeChallenge {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        match URL_SAFE_NO_PAD.decode(&text) {
            Ok(digest) if digest.len() == 32 => Ok(Self(text)),
            _ => Err(
                "`codeChallenge` must be the base64url (no padding) SHA-256 of the code verifier, 43 characters",
            ),
        }
    }
}

impl From<CodeChallenge> for String {
    fn from(challenge: CodeChallenge) -> String {
        challenge.0
    }
}

impl CodeChallenge {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The only `codeChallengeMethod`: a `plain` challenge would be the
/// verifier itself, shown to whoever sees the page's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CodeChallengeMethod {
    S256,
}

/// A PKCE code verifier (RFC 7636 section 4.1): 43 to 128 characters of
/// `[A-Za-z0-9._~-]`, kept by the web page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct CodeVerifier(String);

impl TryFrom<String> for CodeVerifier {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let unreserved = |c: char| c.is_ascii_alphanumeric() || "._~-".contains(c);
        if (43..=128).contains(&text.len()) && text.chars().all(unreserved) {
            Ok(Self(text))
        } else {
            Err("`codeVerifier` must be 43 to 128 characters of A-Z, a-z, 0-9, `.`, `_`, `~` and `-`")
        }
    }
}

impl CodeVerifier {
    /// The S256 challenge of this verifier.
    pub fn challenge(&self) -> CodeChallenge {
        CodeChallenge(URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())))
    }
}

/// What the first scan of a key answers, for that device alone to confirm
/// the key (and scan it again): 256 random bits, base64url, 43 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ScanTicket(String);

impl TryFrom<String> for ScanTicket {
    type Error = &'static str;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        match URL_SAFE_NO_PAD.decode(&text) {
            Ok(bytes) if bytes.len() == 32 => Ok(Self(text)),
            _ => Err("`scanTicket` must be the scanTicket the scan of this key answered"),
        }
    }
}

impl From<ScanTicket> for String {
    fn from(ticket: ScanTicket) -> String {
        ticket.0
    }
}

impl ScanTicket {
    pub fn random() -> Self {
        Self(URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>()))
    }

    /// What the key item keeps of the ticket. The ticket is random, so a
    /// plain SHA-256 leaves nothing to guess.
    pub fn hash(&self) -> ScanTicketHash {
        ScanTicketHash(URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScanTicketHash(String);

impl ScanTicketHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a key cannot take the step asked of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrRefusal {
    #[error("no such key for this app")]
    Unknown,
    #[error("the key has expired")]
    Expired,
    #[error("the key is in state {0:?}")]
    WrongState(QrState),
    #[error("the scan ticket is missing or not this key's")]
    WrongScanTicket,
    #[error("the code verifier is missing or does not match")]
    WrongCodeVerifier,
}

/// A `signInKey`: a positive integer below 2^53. The seed's sign-up sample
/// sends it as a string, so a decimal string is read too; JSON has one
/// number type, so `4503599627370496.0` is the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInKey(pub u64);

impl<'de> Deserialize<'de> for SignInKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Float(f64),
            Text(String),
            // Anything else gets the message below, not serde's "did not
            // match any variant of untagged enum Raw".
            Other(serde::de::IgnoredAny),
        }
        let key = match Raw::deserialize(deserializer)? {
            Raw::Number(n) => Some(n),
            // Out of range saturates, and the filter below refuses it.
            Raw::Float(f) => (f.fract() == 0.0).then_some(f as u64),
            Raw::Text(text) => text.trim().parse().ok(),
            Raw::Other(_) => None,
        };
        key.filter(|k| *k > 0 && *k < KEY_LIMIT)
            .map(SignInKey)
            .ok_or_else(|| serde::de::Error::custom("expected the signInKey integer the web page was given"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_s256_challenge_is_the_base64url_sha256_of_the_verifier() {
        let verifier =
            CodeVerifier::try_from("dBjftJeZ4CVP-mJ92ZQu2Nd8gm5FYzXD9y1ue3MuFcI".to_owned()).unwrap();
        assert_eq!(
            verifier.challenge().as_str(),
            "SoedHVq6LzH5cOYOptjBvSMlRTRSaqgYOuiWBBOPZAQ"
        );
        assert!(CodeVerifier::try_from("a".repeat(42)).is_err());
        assert!(CodeVerifier::try_from("a".repeat(129)).is_err());
        assert!(CodeVerifier::try_from(format!("{}+", "a".repeat(42))).is_err());
        assert!(CodeChallenge::try_from("SoedHVq6LzH5cOYOptjBvSMlRTRSaqgYOuiWBBOPZA".to_owned()).is_err());
    }

    #[test]
    fn scan_tickets_are_random_and_read_back() {
        let (a, b) = (ScanTicket::random(), ScanTicket::random());
        assert_ne!(a, b);
        assert_ne!(a.hash(), b.hash());
        let text: String = a.clone().into();
        assert_eq!(ScanTicket::try_from(text).unwrap(), a);
        assert!(ScanTicket::try_from("short".to_owned()).is_err());
    }

    #[test]
    fn a_whole_float_is_exactly_its_key() {
        // Spread over the whole key range; a float parser that may be one
        // unit in the last place off turns some of these into a neighbour.
        let mut key: u64 = 1 << 40;
        for _ in 0..10_000 {
            key = (key
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407))
                % (1 << 53);
            let key = key.max(1);
            let text = serde_json::to_string(&(key as f64)).unwrap();
            let parsed: SignInKey = serde_json::from_str(&text).unwrap();
            assert_eq!(parsed.0, key, "{text}");
        }
    }
}
