//! The request signature by which an app's own backend vouches for a union id
//! (and for the `emailIsValid`/`phoneIsValid` flags).
//!
//! `X-OAuthApp-Signature` = lowercase hex HMAC-SHA256, keyed with the app
//! secret, over `timestamp + "\n" + METHOD + "\n" + path + "\n" + raw body`,
//! where `X-OAuthApp-Timestamp` is unix seconds within ±300 s of now and
//! `path` includes the query string as sent (`?…`), when there is one, so a
//! signed GET cannot be replayed with other parameters.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::domain::{Error, Secret};

pub const TIMESTAMP_HEADER: &str = "x-oauthapp-timestamp";
pub const SIGNATURE_HEADER: &str = "x-oauthapp-signature";
/// How far a signed timestamp may be from the server's clock.
pub const MAX_SKEW_SECONDS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// The parts of a request the signature covers, and its two headers.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path with its query string, as sent.
    pub target: &'a str,
    pub body: &'a [u8],
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

impl SignedRequest<'_> {
    /// Whether the request carries either signature header, i.e. claims to
    /// come from the app's backend.
    pub fn present(&self) -> bool {
        self.timestamp.is_some() || self.signature.is_some()
    }
}

/// What a request says about its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// No signature headers at all.
    No,
    /// Headers present and the signature verifies.
    Yes,
}

/// The signature over the parts of a request; what an app backend computes.
pub fn sign(secret: &Secret, timestamp: &str, method: &str, path: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, method, path, body).finalize().into_bytes())
}

fn mac(secret: &Secret, timestamp: &str, method: &str, path: &str, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes keys of any length");
    for part in [timestamp.as_bytes(), method.as_bytes(), path.as_bytes()] {
        mac.update(part);
        mac.update(b"\n");
    }
    mac.update(body);
    mac
}

/// Checks the request's signature headers against the app secret. A request
/// without them is `Signed::No`; one with a stale, malformed or wrong
/// signature is refused, never treated as unsigned.
pub fn check(req: &SignedRequest<'_>, secret: &Secret, now: i64) -> Result<Signed, Error> {
    let (timestamp, signature) = match (req.timestamp, req.signature) {
        (None, None) => return Ok(Signed::No),
        (Some(timestamp), Some(signature)) => (timestamp, signature),
        _ => {
            return Err(Error::unauthenticated(
                "A signed request needs both X-OAuthApp-Timestamp and X-OAuthApp-Signature.",
            ));
        }
    };
    let seconds: i64 = timestamp
        .parse()
        .map_err(|_| Error::unauthenticated("X-OAuthApp-Timestamp must be unix seconds."))?;
    if (now - seconds).abs() > MAX_SKEW_SECONDS {
        return Err(Error::unauthenticated(format!(
            "X-OAuthApp-Timestamp is more than {MAX_SKEW_SECONDS} seconds from the server's clock; sign the request again."
        )));
    }
    let expected = hex::decode(signature)
        .map_err(|_| Error::unauthenticated("X-OAuthApp-Signature must be the lowercase hex HMAC-SHA256."))?;
    mac(secret, timestamp, req.method, req.target, req.body)
        .verify_slice(&expected)
        .map(|()| Signed::Yes)
        .map_err(|_| Error::unauthenticated("X-OAuthApp-Signature does not match the request."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorKind;

    const SECRET: &str = "app-secret";

    fn secret(text: &str) -> Secret {
        Secret::new(text)
    }
    const PATH: &str = "/api/AppUsers/2/UnionIDSignIn";
    const BODY: &str = r#"{"platform":"web","unionID":"123456"}"#;

    fn request<'a>(
        timestamp: Option<&'a str>,
        signature: Option<&'a str>,
        body: &'a str,
    ) -> SignedRequest<'a> {
        SignedRequest {
            method: "POST",
            target: PATH,
            body: body.as_bytes(),
            timestamp,
            signature,
        }
    }

    /// Checks `body` sent with a signature made at `timestamp` over `BODY`.
    fn check_signed(timestamp: i64, body: &str, key: &str, now: i64) -> Result<Signed, Error> {
        let ts = timestamp.to_string();
        let sig = sign(&secret(SECRET), &ts, "POST", PATH, BODY.as_bytes());
        check(&request(Some(&ts), Some(&sig), body), &secret(key), now)
    }

    #[test]
    fn matches_an_independent_implementation() {
        // printf '1700000000\nPOST\n/p\n{}' | openssl dgst -sha256 -hmac k
        assert_eq!(
            sign(&secret("k"), "1700000000", "POST", "/p", b"{}"),
            "94ce7adf4369677744efa677f33644f0393df90aabfb3929e40dcc3ed9c62636"
        );
    }

    #[test]
    fn accepts_a_good_signature_and_rejects_the_rest() {
        let now = 1_700_000_000;
        assert_eq!(check_signed(now, BODY, SECRET, now).unwrap(), Signed::Yes);
        assert_eq!(
            check(&request(None, None, BODY), &secret(SECRET), now).unwrap(),
            Signed::No
        );
        let stale = check_signed(now - 301, BODY, SECRET, now).unwrap_err();
        assert!(stale.message().contains("300 seconds"));
        let tampered = check_signed(now, r#"{"platform":"web","unionID":"999"}"#, SECRET, now).unwrap_err();
        assert!(tampered.message().contains("does not match"));
        assert!(check_signed(now, BODY, "other-secret", now).is_err());
        let ts = now.to_string();
        let half = request(Some(&ts), None, BODY);
        assert_eq!(
            check(&half, &secret(SECRET), now).unwrap_err().kind(),
            ErrorKind::Unauthenticated
        );
    }
}
