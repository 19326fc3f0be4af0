//! The two response envelopes. The legacy API names the error field `err`,
//! the v1 API `error`; both carry `code` equal to the HTTP status. The
//! OAuth edge answers without one (`oauth`).

use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::Error;
use crate::http::error::ApiError;
use crate::http::oauth::{self, OAuthAnswer, OAuthError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// `/api/AppUsers/{appId}/…`: `{"code","data","err"}`.
    Legacy,
    /// `/ExternalAccount/…`, `/Wechat/…`, `/User/…`: `{"code","data","error"}`.
    V1,
    /// `/oauth2/…`, `/.well-known/…`: RFC 6749 JSON, no envelope.
    OAuth,
}

impl Envelope {
    /// The envelope of the API generation a path belongs to.
    pub fn for_path(path: &str) -> Self {
        if path.starts_with("/api/") {
            Envelope::Legacy
        } else if oauth::is_oauth_path(path) {
            Envelope::OAuth
        } else {
            Envelope::V1
        }
    }

    fn error_field(self) -> &'static str {
        match self {
            Envelope::Legacy => "err",
            Envelope::V1 | Envelope::OAuth => "error",
        }
    }

    /// The response to a handler's outcome: the envelope around its data
    /// or error, or the image it answered.
    pub fn answer(self, outcome: Result<Outcome, ApiError>) -> Response<Body> {
        match (self, outcome) {
            (_, Ok(Outcome::Image(image))) => image.into_response(),
            (_, Ok(Outcome::Document(document))) => oauth::document(&document),
            (_, Ok(Outcome::Refused(refusal))) => refusal.into_response(),
            (Envelope::OAuth, Ok(Outcome::Data(data))) => oauth::render(StatusCode::OK, &data),
            (Envelope::OAuth, Err(err)) => oauth::refusal(&err),
            (_, Ok(Outcome::Data(data))) => self.render(StatusCode::OK, data, "", None),
            (_, Err(err)) => self.render(err.status(), Value::Null, err.message(), err.retry_after()),
        }
    }

    fn render(
        self,
        status: StatusCode,
        data: Value,
        error: &str,
        retry_after: Option<u64>,
    ) -> Response<Body> {
        let mut body = json!({ "code": status.as_u16(), "data": data });
        body[self.error_field()] = Value::from(error);
        let mut response = Response::builder();
        if let Some(seconds) = retry_after {
            response = response.header(header::RETRY_AFTER, seconds);
        }
        response
            .status(status)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            // Bodies carry tokens and personal data: no cache may keep them.
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::Text(body.to_string()))
            .expect("static headers are valid")
    }
}

/// What a handler answers with: the envelope's `data`, an image, a public
/// document, or an OAuth refusal.
#[derive(Debug)]
pub enum Outcome {
    Data(Value),
    Image(Image),
    /// Served to anyone and cacheable: the JWKS, the discovery document.
    Document(Value),
    /// An OAuth error the handler decided on (`invalid_grant`).
    Refused(OAuthError),
}

/// A body that is not an envelope: a WeChat code image, as WeChat sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Image {
    fn into_response(self) -> Response<Body> {
        Response::builder()
            .header(header::CONTENT_TYPE, self.content_type)
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::Binary(self.bytes))
            .unwrap_or_else(|err| {
                Envelope::V1.render(
                    StatusCode::BAD_GATEWAY,
                    Value::Null,
                    &format!("WeChat's image has an unusable content type: {err}."),
                    None,
                )
            })
    }
}

/// What a handler's answer becomes: any serialisable value is the
/// envelope's `data`; an `Image` is the body itself.
pub trait Reply: Send + 'static {
    fn into_outcome(self) -> Result<Outcome, ApiError>;
}

impl<T: Serialize + Send + 'static> Reply for T {
    fn into_outcome(self) -> Result<Outcome, ApiError> {
        serde_json::to_value(self)
            .map(Outcome::Data)
            .map_err(|err| Error::internal(err).into())
    }
}

impl Reply for Image {
    fn into_outcome(self) -> Result<Outcome, ApiError> {
        Ok(Outcome::Image(self))
    }
}

impl<T: Serialize + Send + 'static> Reply for OAuthAnswer<T> {
    fn into_outcome(self) -> Result<Outcome, ApiError> {
        match self {
            OAuthAnswer::Granted(answer) => answer.into_outcome(),
            OAuthAnswer::Refused(refusal) => Ok(Outcome::Refused(refusal)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(response: &Response<Body>) -> Value {
        match response.body() {
            Body::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn the_path_tells_the_generation() {
        assert_eq!(Envelope::for_path("/api/AppUsers/2/SignIn"), Envelope::Legacy);
        assert_eq!(Envelope::for_path("/Wechat/demo/QR-Auth/Scan"), Envelope::V1);
        assert_eq!(Envelope::for_path("/ExternalAccount/demo"), Envelope::V1);
        assert_eq!(Envelope::for_path("/oauth2/token"), Envelope::OAuth);
        assert_eq!(Envelope::for_path("/.well-known/jwks.json"), Envelope::OAuth);
    }

    #[test]
    fn legacy_success_uses_err_field() {
        let response = Envelope::Legacy.answer(Ok(Outcome::Data(json!(true))));
        assert_eq!(response.status(), 200);
        assert_eq!(body_of(&response), json!({"code": 200, "data": true, "err": ""}));
    }

    #[test]
    fn v1_failure_uses_error_field_and_status() {
        let response = Envelope::V1.answer(Err(Error::conflict("taken").into()));
        assert_eq!(response.status(), 409);
        assert_eq!(
            body_of(&response),
            json!({"code": 409, "data": null, "error": "taken"})
        );
    }
}
