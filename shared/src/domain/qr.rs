//! The life of a QR sign-in key: created → scanned → confirmed (bound to
//! one user) → redeemed, within a lifetime. The store makes each step one
//! conditional write; these are the states and the reasons a step is refused.

use serde::{Deserialize, Deserializer, Serialize};

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
    /// The confirming user, once confirmed.
    pub user_id: Option<u64>,
    /// The web page's token, from confirmation until redemption.
    pub token: Option<String>,
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
}

/// Why a step was refused, from the key as it was (`None`: no such key).
pub fn refusal(old: Option<QrKey>, app_id: u64, now: i64) -> QrRefusal {
    match old {
        // Another app's key is no key of this app.
        Some(key) if key.app_id == app_id => {
            if key.expires_at <= now {
                QrRefusal::Expired
            } else {
                QrRefusal::WrongState(key.state)
            }
        }
        _ => QrRefusal::Unknown,
    }
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
