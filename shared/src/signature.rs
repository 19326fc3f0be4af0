//! The request signature by which an app's own backend vouches for a union id
//! (and for the `emailIsValid`/`phoneIsValid` flags).
//!
//! `X-OAuthApp-Signature` = lowercase hex HMAC-SHA256, keyed with the app
//! secret, over `timestamp + "\n" + METHOD + "\n" + path + "\n" + raw body`,
//! where `X-OAuthApp-Timestamp` is unix seconds within ±300 s of now and
//! `path` includes the query string as sent (`?…`), when there is one, so a
//! signed GET cannot be replayed with other parameters.

use hmac::{Hmac, KeyInit, Mac};
use lambda_http::Request;
use sha2::Sha256;

use crate::ApiError;
use crate::request::{body_bytes, header_text};

pub const TIMESTAMP_HEADER: &str = "x-oauthapp-timestamp";
pub const SIGNATURE_HEADER: &str = "x-oauthapp-signature";
/// How far a signed timestamp may be from the server's clock.
pub const MAX_SKEW_SECONDS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

/// What a request says about its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// No signature headers at all.
    No,
    /// Headers present and the signature verifies.
    Yes,
}

/// The signature over the parts of a request; what an app backend computes.
pub fn sign(secret: &str, timestamp: &str, method: &str, path: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, method, path, body).finalize().into_bytes())
}

fn mac(secret: &str, timestamp: &str, method: &str, path: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    for part in [timestamp.as_bytes(), method.as_bytes(), path.as_bytes()] {
        mac.update(part);
        mac.update(b"\n");
    }
    mac.update(body);
    mac
}

/// Whether the request carries either signature header, i.e. claims to
/// come from the app's backend.
pub fn present(req: &Request) -> bool {
    header_text(req, TIMESTAMP_HEADER).is_some() || header_text(req, SIGNATURE_HEADER).is_some()
}

/// Checks the request's signature headers against the app secret. A request
/// without them is `Signed::No`; one with a stale, malformed or wrong
/// signature is refused, never treated as unsigned.
pub fn check(req: &Request, secret: &str, now: i64) -> Result<Signed, ApiError> {
    let timestamp = header_text(req, TIMESTAMP_HEADER);
    let signature = header_text(req, SIGNATURE_HEADER);
    let (timestamp, signature) = match (timestamp, signature) {
        (None, None) => return Ok(Signed::No),
        (Some(timestamp), Some(signature)) => (timestamp, signature),
        _ => {
            return Err(ApiError::unauthorized(
                "A signed request needs both X-OAuthApp-Timestamp and X-OAuthApp-Signature.",
            ));
        }
    };
    let seconds: i64 = timestamp
        .parse()
        .map_err(|_| ApiError::unauthorized("X-OAuthApp-Timestamp must be unix seconds."))?;
    if (now - seconds).abs() > MAX_SKEW_SECONDS {
        return Err(ApiError::unauthorized(format!(
            "X-OAuthApp-Timestamp is more than {MAX_SKEW_SECONDS} seconds from the server's clock; sign the request again."
        )));
    }
    let expected = hex::decode(signature)
        .map_err(|_| ApiError::unauthorized("X-OAuthApp-Signature must be the lowercase hex HMAC-SHA256."))?;
    mac(
        secret,
        timestamp,
        req.method().as_str(),
        req.uri()
            .path_and_query()
            .map_or(req.uri().path(), |target| target.as_str()),
        body_bytes(req),
    )
    .verify_slice(&expected)
    .map(|()| Signed::Yes)
    .map_err(|_| ApiError::unauthorized("X-OAuthApp-Signature does not match the request."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Body;

    const SECRET: &str = "app-secret";
    const PATH: &str = "/api/AppUsers/2/UnionIDSignIn";
    const BODY: &str = r#"{"platform":"web","unionID":"123456"}"#;

    fn request(headers: &[(&str, String)], body: &str) -> Request {
        let mut builder = lambda_http::http::Request::builder().method("POST").uri(PATH);
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        builder.body(Body::Text(body.to_owned())).unwrap()
    }

    fn signed(timestamp: i64, body: &str) -> Request {
        let ts = timestamp.to_string();
        let sig = sign(SECRET, &ts, "POST", PATH, BODY.as_bytes());
        request(&[(TIMESTAMP_HEADER, ts), (SIGNATURE_HEADER, sig)], body)
    }

    #[test]
    fn matches_an_independent_implementation() {
        // printf '1700000000\nPOST\n/p\n{}' | openssl dgst -sha256 -hmac k
        assert_eq!(
            sign("k", "1700000000", "POST", "/p", b"{}"),
            "94ce7adf4369677744efa677f33644f0393df90aabfb3929e40dcc3ed9c62636"
        );
    }

    #[test]
    fn accepts_a_good_signature_and_rejects_the_rest() {
        let now = 1_700_000_000;
        assert_eq!(check(&signed(now, BODY), SECRET, now).unwrap(), Signed::Yes);
        assert_eq!(check(&request(&[], BODY), SECRET, now).unwrap(), Signed::No);
        let stale = check(&signed(now - 301, BODY), SECRET, now).unwrap_err();
        assert!(stale.message().contains("300 seconds"));
        let tampered = check(&signed(now, r#"{"platform":"web","unionID":"999"}"#), SECRET, now).unwrap_err();
        assert!(tampered.message().contains("does not match"));
        assert!(check(&signed(now, BODY), "other-secret", now).is_err());
        let half = request(&[(TIMESTAMP_HEADER, now.to_string())], BODY);
        assert_eq!(check(&half, SECRET, now).unwrap_err().status(), 401);
    }
}
