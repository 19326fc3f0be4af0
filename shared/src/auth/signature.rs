//! The request signature by which an app's own backend vouches for a union id
//! (and for the `emailIsValid`/`phoneIsValid` flags).
//!
//! `X-OAuthApp-Signature` = lowercase hex HMAC-SHA256, keyed with the app
//! secret, over
//! `timestamp + "\n" + nonce + "\n" + METHOD + "\n" + path + "\n" + sha256(authorization) + "\n" + raw body`,
//! where `X-OAuthApp-Timestamp` is unix seconds within ±300 s of now,
//! `X-OAuthApp-Nonce` is new for each request (the server accepts it once
//! per app, see `flows::signature`), `path` includes the query string as
//! sent (`?…`), and `sha256(authorization)` is the lowercase hex SHA-256 of
//! the `Authorization` header's value as sent (of the empty string without
//! one). So a signed request cannot be replayed, nor sent with other
//! parameters or on behalf of another user's token.
//!
//! The v1 ledger's client carries the same three values in the query
//! (`timestamp`, `nonce`, `signature`, within 60 s of now); there the
//! signed path is the query as sent less its `signature` parameter. Only
//! where the values are read differs (`Carrier`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::domain::{Error, Secret, validate};

pub const TIMESTAMP_HEADER: &str = "x-oauthapp-timestamp";
pub const NONCE_HEADER: &str = "x-oauthapp-nonce";
pub const SIGNATURE_HEADER: &str = "x-oauthapp-signature";

/// Where a request carries its signature's values, as messages name them,
/// and how far its timestamp may be from the server's clock.
#[derive(Debug, PartialEq, Eq)]
pub struct Carrier {
    pub timestamp: &'static str,
    pub nonce: &'static str,
    pub signature: &'static str,
    pub max_skew_seconds: u64,
}

/// The `X-OAuthApp-*` headers.
pub const IN_HEADERS: Carrier = Carrier {
    timestamp: "X-OAuthApp-Timestamp",
    nonce: "X-OAuthApp-Nonce",
    signature: "X-OAuthApp-Signature",
    max_skew_seconds: 300,
};

/// The query parameters of the v1 client's ledger writes, whose timestamp
/// it documents as within a minute of the server's clock.
pub const IN_QUERY: Carrier = Carrier {
    timestamp: "query parameter `timestamp`",
    nonce: "query parameter `nonce`",
    signature: "query parameter `signature`",
    max_skew_seconds: 60,
};

/// What the signature covers, in the order signed, for the messages that
/// refuse a signature.
const STRING_TO_SIGN: &str = "timestamp, nonce, METHOD, path with its query as sent, the lowercase hex SHA-256 \
     of the Authorization header as sent (of the empty string without one) and the raw body, joined by \"\\n\"";

type HmacSha256 = Hmac<Sha256>;

/// The parts of a request the signature covers besides its own headers.
#[derive(Debug, Clone, Copy)]
pub struct Covered<'a> {
    pub method: &'a str,
    /// The path with its query string, as sent.
    pub target: &'a str,
    /// The `Authorization` header's value as sent; empty without one.
    pub authorization: &'a [u8],
    pub body: &'a [u8],
}

/// A request's covered parts and its signature's values.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub carrier: &'static Carrier,
    pub covered: Covered<'a>,
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
}

impl SignedRequest<'_> {
    /// Whether the request carries any signature value, i.e. claims to
    /// come from the app's backend.
    pub fn present(&self) -> bool {
        self.timestamp.is_some() || self.nonce.is_some() || self.signature.is_some()
    }
}

/// What a request says about its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// No signature headers at all.
    No,
    /// Headers present, the signature verifies and its nonce was new.
    Yes,
}

/// A signature that verified; its nonce is still to be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified<'a> {
    pub nonce: &'a str,
    /// The signed timestamp, within the carrier's skew of now.
    pub timestamp: i64,
}

/// The signature over a request; what an app backend computes.
pub fn sign(secret: &Secret, timestamp: &str, nonce: &str, covered: &Covered<'_>) -> String {
    hex::encode(mac(secret, timestamp, nonce, covered).finalize().into_bytes())
}

fn mac(secret: &Secret, timestamp: &str, nonce: &str, covered: &Covered<'_>) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.expose().as_bytes()).expect("HMAC takes keys of any length");
    let authorization = hex::encode(Sha256::digest(covered.authorization));
    for part in [timestamp, nonce, covered.method, covered.target, &authorization] {
        mac.update(part.as_bytes());
        mac.update(b"\n");
    }
    mac.update(covered.body);
    mac
}

/// Checks the request's signature values against the app secret: `None`
/// without any of them; a stale, malformed or wrong signature is refused,
/// never treated as unsigned. Whether the nonce is new is the caller's to ask.
pub fn check<'a>(req: &SignedRequest<'a>, secret: &Secret, now: i64) -> Result<Option<Verified<'a>>, Error> {
    let names = req.carrier;
    let (timestamp, nonce, signature) = match (req.timestamp, req.nonce, req.signature) {
        (None, None, None) => return Ok(None),
        (Some(timestamp), Some(nonce), Some(signature)) => (timestamp, nonce, signature),
        _ => {
            return Err(Error::unauthenticated(format!(
                "A signed request needs {}, {} and {}.",
                names.timestamp, names.nonce, names.signature
            )));
        }
    };
    let seconds: i64 = timestamp
        .parse()
        .map_err(|_| Error::unauthenticated(format!("{} must be unix seconds.", names.timestamp)))?;
    // abs_diff: a timestamp near i64::MIN or MAX must not overflow.
    let max_skew = names.max_skew_seconds;
    if now.abs_diff(seconds) > max_skew {
        return Err(Error::unauthenticated(format!(
            "{} is more than {max_skew} seconds from the server's clock; sign the request again.",
            names.timestamp
        )));
    }
    if !validate::SIGNATURE_NONCE.allows(nonce) {
        return Err(Error::unauthenticated(format!(
            "{} must be {}, new for each request.",
            names.nonce,
            validate::SIGNATURE_NONCE.describe()
        )));
    }
    let expected = hex::decode(signature).map_err(|_| {
        Error::unauthenticated(format!(
            "{} must be the lowercase hex HMAC-SHA256.",
            names.signature
        ))
    })?;
    mac(secret, timestamp, nonce, &req.covered)
        .verify_slice(&expected)
        .map_err(|_| {
            Error::unauthenticated(format!(
                "{} does not match the request: it is the HMAC-SHA256, keyed with the app \
                 secret, of {STRING_TO_SIGN}.",
                names.signature
            ))
        })?;
    Ok(Some(Verified {
        nonce,
        timestamp: seconds,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ErrorKind;

    const SECRET: &str = "app-secret";
    const PATH: &str = "/api/AppUsers/2/UnionIDSignIn";
    const BODY: &str = r#"{"platform":"web","unionID":"123456"}"#;
    const NONCE: &str = "n0nce-0123456789";
    const BEARER: &[u8] = b"Bearer t";

    fn secret(text: &str) -> Secret {
        Secret::new(text)
    }

    fn covered<'a>(body: &'a str, authorization: &'a [u8]) -> Covered<'a> {
        Covered {
            method: "POST",
            target: PATH,
            authorization,
            body: body.as_bytes(),
        }
    }

    fn request<'a>(covered: Covered<'a>, headers: [Option<&'a str>; 3]) -> SignedRequest<'a> {
        let [timestamp, nonce, signature] = headers;
        SignedRequest {
            carrier: &IN_HEADERS,
            covered,
            timestamp,
            nonce,
            signature,
        }
    }

    /// Checks `sent` with a signature made at `timestamp` over `BODY`
    /// with `BEARER`.
    fn check_signed<'a>(
        timestamp: &'a str,
        signature: &'a str,
        sent: Covered<'a>,
        key: &str,
        now: i64,
    ) -> Result<Option<Verified<'a>>, Error> {
        check(
            &request(sent, [Some(timestamp), Some(NONCE), Some(signature)]),
            &secret(key),
            now,
        )
    }

    #[test]
    fn matches_an_independent_implementation() {
        // printf '1700000000\nn0nce-0123456789\nPOST\n/p\n%s\n{}' \
        //   "$(printf 'Bearer t' | openssl dgst -sha256 -r | cut -d' ' -f1)" | openssl dgst -sha256 -hmac k
        let with_bearer = Covered {
            method: "POST",
            target: "/p",
            authorization: BEARER,
            body: b"{}",
        };
        assert_eq!(
            sign(&secret("k"), "1700000000", NONCE, &with_bearer),
            "c20c3b6705cf8e50e3fb3c9156867ae3939110e51c6aa983445d5ac84e1232be"
        );
        // As above, with the SHA-256 of the empty string (no Authorization header).
        let without = Covered {
            authorization: b"",
            ..with_bearer
        };
        assert_eq!(
            sign(&secret("k"), "1700000000", NONCE, &without),
            "a8bb8ae830c8ccaf048ccc669bd99404ad715e3725455a4a8e80f4b19408656d"
        );
    }

    #[test]
    fn signs_the_worked_example_of_the_api_docs() {
        // The example of docs/api.md, computed there with openssl.
        let covered = Covered {
            method: "POST",
            target: "/ExternalAccount/demo",
            authorization: b"Bearer token-of-the-user",
            body: br#"{"unionID":"gh-4711","platform":"github"}"#,
        };
        assert_eq!(
            sign(
                &secret("app-secret"),
                "1700000000",
                "3f9c1a7e5b2d4c6f8a0b1c2d3e4f5a6b",
                &covered
            ),
            "bbeaa1a3eb610846d6982a98de5beb2e67b6379c8e0ae3e6a00429f0e45648ef"
        );
    }

    #[test]
    fn accepts_a_good_signature_and_rejects_the_rest() {
        let now = 1_700_000_000;
        let ts = now.to_string();
        let sig = sign(&secret(SECRET), &ts, NONCE, &covered(BODY, BEARER));
        assert_eq!(
            check_signed(&ts, &sig, covered(BODY, BEARER), SECRET, now).unwrap(),
            Some(Verified {
                nonce: NONCE,
                timestamp: now
            })
        );
        let unsigned = request(covered(BODY, b""), [None; 3]);
        assert_eq!(check(&unsigned, &secret(SECRET), now).unwrap(), None);

        let stale = (now - 301).to_string();
        let stale_sig = sign(&secret(SECRET), &stale, NONCE, &covered(BODY, BEARER));
        let err = check_signed(&stale, &stale_sig, covered(BODY, BEARER), SECRET, now).unwrap_err();
        assert!(err.message().contains("300 seconds"));
        let tampered = covered(r#"{"platform":"web","unionID":"999"}"#, BEARER);
        let err = check_signed(&ts, &sig, tampered, SECRET, now).unwrap_err();
        assert!(err.message().contains("does not match"));
        let other_user = covered(BODY, b"Bearer someone-else");
        assert!(check_signed(&ts, &sig, other_user, SECRET, now).is_err());
        assert!(check_signed(&ts, &sig, covered(BODY, b""), SECRET, now).is_err());
        assert!(check_signed(&ts, &sig, covered(BODY, BEARER), "other-secret", now).is_err());
    }

    #[test]
    fn refuses_the_form_without_nonce_and_authorization() {
        let now = 1_700_000_000;
        let ts = now.to_string();
        // printf '1700000000\nPOST\n/p\n{}' | openssl dgst -sha256 -hmac k
        let old = "94ce7adf4369677744efa677f33644f0393df90aabfb3929e40dcc3ed9c62636";
        let sent = Covered {
            method: "POST",
            target: "/p",
            authorization: b"",
            body: b"{}",
        };
        let without_nonce = request(sent, [Some(&ts), None, Some(old)]);
        let err = check(&without_nonce, &secret("k"), now).unwrap_err();
        assert!(err.message().contains("X-OAuthApp-Nonce"), "{}", err.message());
        let err = check_signed(&ts, old, sent, "k", now).unwrap_err();
        assert!(err.message().contains("nonce, METHOD"), "{}", err.message());
    }

    #[test]
    fn nonces_keep_their_rule() {
        let now = 1_700_000_000;
        let ts = now.to_string();
        for bad in [
            "",
            "short-nonce",
            "has space 0123456789",
            &"n".repeat(65),
            "ünïcode-0123456789",
        ] {
            let sig = sign(&secret(SECRET), &ts, bad, &covered(BODY, b""));
            let req = request(covered(BODY, b""), [Some(&ts), Some(bad), Some(&sig)]);
            let err = check(&req, &secret(SECRET), now).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthenticated);
            assert!(err.message().contains("16 to 64"), "{bad}: {}", err.message());
        }
        for good in ["0123456789abcdef", &"A_-z".repeat(16)] {
            let sig = sign(&secret(SECRET), &ts, good, &covered(BODY, b""));
            let req = request(covered(BODY, b""), [Some(&ts), Some(good), Some(&sig)]);
            assert!(check(&req, &secret(SECRET), now).unwrap().is_some(), "{good}");
        }
    }

    #[test]
    fn timestamps_at_the_ends_of_i64_are_stale_not_an_overflow() {
        let now = 1_700_000_000;
        for timestamp in [i64::MIN, i64::MAX] {
            let ts = timestamp.to_string();
            let sig = sign(&secret(SECRET), &ts, NONCE, &covered(BODY, b""));
            let err = check_signed(&ts, &sig, covered(BODY, b""), SECRET, now).unwrap_err();
            assert!(err.message().contains("300 seconds"), "{timestamp}");
        }
    }

    #[test]
    fn a_missing_header_is_refused() {
        let now = 1_700_000_000;
        let ts = now.to_string();
        for headers in [
            [Some(ts.as_str()), None, None],
            [None, Some(NONCE), None],
            [None, None, Some("00")],
        ] {
            let err = check(&request(covered(BODY, b""), headers), &secret(SECRET), now).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unauthenticated);
            assert!(
                err.message()
                    .contains("needs X-OAuthApp-Timestamp, X-OAuthApp-Nonce")
            );
        }
    }
}
