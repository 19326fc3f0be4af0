//! Reading what a client sent: the JSON body, the bearer token and the
//! parts a backend signature covers, each failure a 400 or 413 that names
//! the problem.

use lambda_http::http::{StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::de::DeserializeOwned;

use crate::auth::signature::{
    Covered, IN_HEADERS, IN_QUERY, NONCE_HEADER, SIGNATURE_HEADER, SignedRequest, TIMESTAMP_HEADER,
};
use crate::domain::rate_limit::SourceAddress;
use crate::domain::session::{Client, USER_AGENT_MAX};
use crate::http::error::ApiError;

/// Larger bodies are refused before parsing; no endpoint needs more.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The raw body bytes, as signed by an app backend.
pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// Parses a JSON object body into `T`, naming the offending field on error.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    parse_json(body_bytes(req))
}

/// Refuses a body over `MAX_BODY_BYTES`, whatever the route does with it.
pub fn body_within_limit(req: &Request) -> Result<(), ApiError> {
    if body_bytes(req).len() > MAX_BODY_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        ));
    }
    Ok(())
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request("The request body is not valid UTF-8."))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "The request body is empty; send a JSON object.",
        ));
    }
    // serde would also read a struct from an array; only objects are bodies.
    if !text.trim_start().starts_with('{') {
        return Err(ApiError::bad_request("The request body must be a JSON object."));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request(format!("The request body is not valid JSON: {inner}."))
        } else if path == "." {
            ApiError::bad_request(format!(
                "The request body is not the expected JSON object: {inner}."
            ))
        } else {
            ApiError::bad_request(format!("Field `{path}` is invalid: {inner}."))
        }
    })?;
    de.end()
        .map_err(|err| ApiError::bad_request(format!("The request body is not valid JSON: {err}.")))?;
    Ok(value)
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn bearer_token(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// A header's value as text, if present and printable.
fn header_text<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers().get(name)?.to_str().ok()
}

/// Where the request comes from, as API Gateway saw the connection
/// (`requestContext.http.sourceIp`): never a header the client could set.
pub fn source_address(req: &Request) -> SourceAddress {
    SourceAddress::from_source_ip(source_ip(req))
}

fn source_ip(req: &Request) -> Option<&str> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.as_deref(),
        _ => None,
    }
}

/// The client as a session remembers it: the connection's address and
/// the `User-Agent` it gave, cut short.
pub fn client(req: &Request) -> Client {
    Client {
        source_ip: source_ip(req).unwrap_or_default().to_owned(),
        user_agent: header_text(req, "user-agent")
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(USER_AGENT_MAX)
            .collect(),
    }
}

/// What the app backend's signature covers, and the signature headers.
pub fn signed_request(req: &Request) -> SignedRequest<'_> {
    SignedRequest {
        carrier: &IN_HEADERS,
        covered: covered(
            req,
            req.uri()
                .path_and_query()
                .map_or(req.uri().path(), |target| target.as_str()),
        ),
        timestamp: header_text(req, TIMESTAMP_HEADER),
        nonce: header_text(req, NONCE_HEADER),
        signature: header_text(req, SIGNATURE_HEADER),
    }
}

/// The signature the v1 ledger's client carries in the query: its values
/// are the query's (first of each, as sent), and the signed path is the
/// path with the query as sent less every `signature` parameter.
/// `target` is where that path is built, so the request can borrow it.
pub fn query_signed_request<'r>(req: &'r Request, target: &'r mut String) -> SignedRequest<'r> {
    let query = req.uri().query().unwrap_or_default();
    let pairs = || query.split('&').filter(|pair| !pair.is_empty());
    let value = |name: &str| {
        pairs().find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then_some(value)
        })
    };
    let kept: Vec<&str> = pairs()
        .filter(|pair| pair.split_once('=').map_or(*pair, |(key, _)| key) != "signature")
        .collect();
    target.push_str(req.uri().path());
    if !kept.is_empty() {
        target.push('?');
        target.push_str(&kept.join("&"));
    }
    SignedRequest {
        carrier: &IN_QUERY,
        covered: covered(req, target),
        timestamp: value("timestamp"),
        nonce: value("nonce"),
        signature: value("signature"),
    }
}

fn covered<'r>(req: &'r Request, target: &'r str) -> Covered<'r> {
    Covered {
        method: req.method().as_str(),
        target,
        authorization: req
            .headers()
            .get(header::AUTHORIZATION)
            .map_or(&[], |value| value.as_bytes()),
        body: body_bytes(req),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        user_name: String,
        #[serde(default)]
        age: Option<u32>,
    }

    #[test]
    fn names_the_field_with_the_wrong_type() {
        let err = parse_json::<Sample>(br#"{"userName": 5}"#).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.message().contains("`userName`"), "{}", err.message());
    }

    #[test]
    fn rejects_malformed_json_and_trailing_garbage() {
        assert!(
            parse_json::<Sample>(br#"{"userName": "a""#)
                .unwrap_err()
                .message()
                .contains("not valid JSON")
        );
        assert!(parse_json::<Sample>(br#"{"userName": "a"} x"#).is_err());
        assert!(
            parse_json::<Sample>(b"\xff\xfe")
                .unwrap_err()
                .message()
                .contains("UTF-8")
        );
        assert!(parse_json::<Sample>(b"").unwrap_err().message().contains("empty"));
        assert!(
            parse_json::<Sample>(b"[1]")
                .unwrap_err()
                .message()
                .contains("JSON object")
        );
    }

    #[test]
    fn the_query_signature_signs_the_query_less_its_signature() {
        let req = lambda_http::http::Request::builder()
            .method("POST")
            .uri("/UserCurrency/k/CurrencyConsume?nonce=n1&signature=ab&timestamp=17&userId=3")
            .body(Body::Empty)
            .unwrap();
        let mut target = String::new();
        let signed = query_signed_request(&req, &mut target);
        assert_eq!(
            signed.covered.target,
            "/UserCurrency/k/CurrencyConsume?nonce=n1&timestamp=17&userId=3"
        );
        assert_eq!(
            (signed.timestamp, signed.nonce, signed.signature),
            (Some("17"), Some("n1"), Some("ab"))
        );
        let req = lambda_http::http::Request::builder()
            .uri("/p?signature=ab")
            .body(Body::Empty)
            .unwrap();
        let mut target = String::new();
        assert_eq!(query_signed_request(&req, &mut target).covered.target, "/p");
    }

    #[test]
    fn accepts_a_good_body() {
        let sample: Sample = parse_json(br#"{"userName": "a", "extra": 1}"#).unwrap();
        assert_eq!(sample.user_name, "a");
        assert_eq!(sample.age, None);
    }
}
