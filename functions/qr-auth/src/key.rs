//! Issuing a key (`QRCodePreSignIn`, `QR-Auth/Initiate`) and redeeming it
//! (`QRCodeSignIn`), and what every endpoint shares about keys: reading
//! `signInKey` and explaining refusals.

use lambda_http::Request;
use oauthapp_shared::request::json_body;
use oauthapp_shared::store::{App, QrError, QrRefusal, QrRequest, QrState};
use oauthapp_shared::token::{TOKEN_LIFETIME_SECONDS, TokenModel};
use oauthapp_shared::{ApiError, Services, clock, validate};
use serde::{Deserialize, Deserializer};

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
        key.filter(|k| *k > 0 && *k < 1 << 53)
            .map(SignInKey)
            .ok_or_else(|| serde::de::Error::custom("expected the signInKey integer the web page was given"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRequest {
    pub sign_in_key: SignInKey,
}

#[derive(Deserialize)]
struct InitiateRequest {
    scopes: Option<String>,
    remark: Option<String>,
    scheme: Option<String>,
}

/// The answer for a key that cannot take the step asked of it.
pub fn refused(err: QrError) -> ApiError {
    match err {
        QrError::Refused(QrRefusal::Unknown) => {
            ApiError::not_found("There is no such signInKey for this app.")
        }
        QrError::Refused(QrRefusal::Expired) => {
            ApiError::bad_request("The signInKey has expired; the web page must request a new one.")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Created)) => {
            ApiError::conflict("The QR code has not been scanned yet (请扫码).")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Scanned)) => {
            ApiError::conflict("The QR code was scanned; waiting for the user to confirm (登陆中).")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Confirmed)) => {
            ApiError::conflict("The signInKey was confirmed already.")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Redeemed)) => {
            ApiError::bad_request("The signInKey has been used already; the web page must request a new one.")
        }
        QrError::Store(err) => err.into(),
    }
}

fn optional(value: Option<String>, check: impl Fn(&str) -> Result<(), ApiError>) -> Result<String, ApiError> {
    let value = value.unwrap_or_default();
    check(&value)?;
    Ok(value)
}

/// Issues a key for the web page to show as a QR code.
pub async fn initiate(services: &Services, app: &App, req: &Request) -> Result<u64, ApiError> {
    let body: InitiateRequest = json_body(req)?;
    let request = QrRequest {
        scopes: optional(body.scopes, |s| {
            validate::characters(
                "scopes",
                s,
                100,
                |c| c.is_ascii_alphanumeric() || c == ',',
                "letters, digits and commas",
            )
        })?,
        remark: optional(body.remark, |s| validate::text("remark", s, 200))?,
        scheme: optional(body.scheme, |s| {
            validate::characters(
                "scheme",
                s,
                50,
                |c| c.is_ascii_alphanumeric(),
                "letters and digits",
            )
        })?,
    };
    let lifetime = services.config.qr_key_lifetime.as_secs() as i64;
    let key = services
        .store
        .create_qr_key(app.id, request, clock::now(), lifetime)
        .await?;
    Ok(key.key)
}

/// The web page's poll: the token of the user who confirmed, exactly once.
/// A poll is one strongly consistent read; only a confirmed key costs the
/// conditional write that redeems it.
pub async fn redeem(services: &Services, app_id: u64, req: &Request) -> Result<TokenModel, ApiError> {
    let body: KeyRequest = json_body(req)?;
    let (key, now) = (body.sign_in_key.0, clock::now());
    let store = &services.store;
    store
        .qr_key_in_state(key, app_id, now, QrState::Confirmed)
        .await
        .map_err(refused)?;
    let access_token = store.redeem_qr_key(key, app_id, now).await.map_err(refused)?;
    Ok(TokenModel {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: TOKEN_LIFETIME_SECONDS,
    })
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
