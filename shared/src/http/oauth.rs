//! The OAuth 2.0 edge: `{issuer}oauth2/…` and `{issuer}.well-known/…`
//! answer as RFC 6749 §5 and RFC 7009 say, not in the envelope, so that
//! standard OAuth and OpenID Connect clients work unchanged. Requests are
//! form-encoded (JSON objects of strings are read too); the app is the
//! `client_id`, its key.

use std::collections::BTreeMap;

use lambda_http::http::header::{self, HeaderValue};
use lambda_http::http::{StatusCode, header::CONTENT_TYPE};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

use crate::domain::Error;
use crate::http::error::ApiError;
use crate::http::input::Input;
use crate::http::request::{body_bytes, parse_json};
use crate::http::route::Incoming;

/// How long clients and caches may keep the JWKS and the discovery
/// document. A rotation publishes the next key longer than this ahead.
pub const DOCUMENT_MAX_AGE_SECONDS: u32 = 300;

/// Whether `path` is one of the OAuth edge's.
pub fn is_oauth_path(path: &str) -> bool {
    path.starts_with("/oauth2/") || path.starts_with("/.well-known/")
}

/// The parameters of an OAuth request.
#[derive(Debug, Default)]
pub struct OAuthParams(BTreeMap<String, String>);

impl OAuthParams {
    /// Reads a form body, or a JSON object of strings when the request says
    /// it is JSON. RFC 6749 §3.1: a parameter sent twice is an error.
    pub fn parse(req: &Request) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.trim_start().starts_with("application/json"));
        let bytes = body_bytes(req);
        let mut params = BTreeMap::new();
        if is_json {
            let object: BTreeMap<String, Value> = parse_json(bytes)?;
            for (name, value) in object {
                match value {
                    Value::String(text) => {
                        params.insert(name, text);
                    }
                    Value::Null => {}
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "Parameter `{name}` must be a string."
                        )));
                    }
                }
            }
            return Ok(Self(params));
        }
        for (name, value) in form_urlencoded::parse(bytes) {
            if params.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(ApiError::bad_request(format!(
                    "Parameter `{name}` is sent more than once."
                )));
            }
        }
        Ok(Self(params))
    }

    /// A parameter; empty counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    pub fn required(&self, name: &str) -> Result<&str, Error> {
        self.get(name)
            .ok_or_else(|| Error::invalid(format!("Parameter `{name}` is required.")))
    }
}

impl Input for OAuthParams {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError> {
        Self::parse(incoming.request)
    }
}

/// The app an OAuth request names: its `client_id`.
pub fn client_id(req: &Request) -> Result<String, ApiError> {
    OAuthParams::parse(req)?
        .get("client_id")
        .map(str::to_owned)
        .ok_or_else(|| ApiError::bad_request("Parameter `client_id` (the app key) is required."))
}

/// The error codes of RFC 6749 §5.2 and RFC 7009 §2.2.1 this edge answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    UnsupportedTokenType,
    TemporarilyUnavailable,
    ServerError,
}

impl OAuthErrorCode {
    fn as_str(self) -> &'static str {
        match self {
            OAuthErrorCode::InvalidRequest => "invalid_request",
            OAuthErrorCode::InvalidClient => "invalid_client",
            OAuthErrorCode::InvalidGrant => "invalid_grant",
            OAuthErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            OAuthErrorCode::UnsupportedTokenType => "unsupported_token_type",
            OAuthErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            OAuthErrorCode::ServerError => "server_error",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// The answer of an OAuth endpoint: its JSON, or a refusal in RFC 6749 terms.
#[derive(Debug)]
pub enum OAuthAnswer<T> {
    Granted(T),
    Refused(OAuthError),
}

/// A refusal the handler decided on (a refresh token that gets nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    pub(crate) fn into_response(self) -> Response<Body> {
        let status = self.code.status();
        let mut response = render(
            status,
            &json!({"error": self.code.as_str(), "error_description": self.description}),
        );
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6749 §5.2: a 401 names the scheme the client may use.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"oauth2\""),
            );
        }
        response
    }
}

/// The OAuth reading of an edge failure: its status stays, and gets the
/// RFC 6749 code that fits it.
pub(crate) fn refusal(err: &ApiError) -> Response<Body> {
    let code = match err.status() {
        StatusCode::UNAUTHORIZED => OAuthErrorCode::InvalidClient,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            OAuthErrorCode::TemporarilyUnavailable
        }
        status if status.is_server_error() => OAuthErrorCode::ServerError,
        _ => OAuthErrorCode::InvalidRequest,
    };
    let mut response = OAuthError::new(code, err.message()).into_response();
    *response.status_mut() = err.status();
    if let Some(seconds) = err.retry_after() {
        response.headers_mut().insert(header::RETRY_AFTER, seconds.into());
    }
    response
}

/// The refusal of a `client_id` no app has (RFC 6749 §5.2 `invalid_client`).
pub(crate) fn unknown_client(client_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        format!("No app has client_id {client_id:?} (the app key)."),
    )
}

/// A token endpoint answer: JSON that no cache may keep (RFC 6749 §5.1).
pub(crate) fn render(status: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::PRAGMA, "no-cache")
        .body(Body::Text(body.to_string()))
        .expect("static headers are valid")
}

/// A public document (the JWKS, the discovery document): any page may read
/// it, and caches may keep it `DOCUMENT_MAX_AGE_SECONDS`.
pub(crate) fn document(body: &Value) -> Response<Body> {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header(
            header::CACHE_CONTROL,
            format!("public, max-age={DOCUMENT_MAX_AGE_SECONDS}"),
        )
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")
        .body(Body::Text(body.to_string()))
        .expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, body: &str) -> Request {
        lambda_http::http::Request::builder()
            .header(CONTENT_TYPE, content_type)
            .body(Body::Text(body.to_owned()))
            .unwrap()
    }

    #[test]
    fn reads_forms_and_json_and_refuses_repeats() {
        let form = OAuthParams::parse(&request(
            "application/x-www-form-urlencoded",
            "grant_type=refresh_token&refresh_token=a%2Eb&client_id=demo&scope=",
        ))
        .unwrap();
        assert_eq!(form.get("refresh_token"), Some("a.b"));
        assert_eq!(form.get("scope"), None);
        let json = OAuthParams::parse(&request("application/json", r#"{"client_id":"demo"}"#)).unwrap();
        assert_eq!(json.get("client_id"), Some("demo"));
        assert!(OAuthParams::parse(&request("application/x-www-form-urlencoded", "a=1&a=2")).is_err());
        assert!(OAuthParams::parse(&request("application/json", r#"{"a":1}"#)).is_err());
    }

    #[test]
    fn refusals_carry_rfc_6749_codes() {
        let body = |response: Response<Body>| match response.body() {
            Body::Text(text) => serde_json::from_str::<Value>(text).unwrap(),
            _ => panic!(),
        };
        let unknown = refusal(&unknown_client("nope"));
        assert_eq!(unknown.status(), 401);
        assert_eq!(body(unknown)["error"], "invalid_client");
        let no_route = refusal(&ApiError::new(
            StatusCode::NOT_FOUND,
            "There is no such endpoint.",
        ));
        assert_eq!(no_route.status(), 404);
        assert_eq!(body(no_route)["error"], "invalid_request");
        let bad = refusal(&ApiError::bad_request("Parameter `x` is required."));
        assert_eq!(bad.status(), 400);
        assert_eq!(body(bad)["error"], "invalid_request");
        let grant = OAuthError::new(OAuthErrorCode::InvalidGrant, "expired").into_response();
        assert_eq!(grant.headers()[header::CACHE_CONTROL], "no-store");
        assert_eq!(
            body(grant),
            json!({"error": "invalid_grant", "error_description": "expired"})
        );
    }
}
