//! One HTTP exchange with WeChat's server and how its answer reads. WeChat
//! answers HTTP 200 with an `errcode` for business errors; a missing
//! errcode is success. Nothing here logs a query string: it may carry an
//! app secret, an access token or a login code.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::domain::{Error, ErrorKind};

/// Longest a WeChat call may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A successful answer: JSON, or (for mini-program codes) an image.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Json(Value),
    Binary { content_type: String, bytes: Vec<u8> },
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// WeChat answered with a non-zero errcode.
    Refused { errcode: i64, errmsg: String },
    /// No usable answer: connection, timeout, HTTP status or body.
    Unreachable(String),
}

impl Failure {
    /// WeChat rejected the access token the call carried.
    pub fn is_stale_token(&self) -> bool {
        matches!(
            self,
            Failure::Refused {
                errcode: 40001 | 40014 | 42001,
                ..
            }
        )
    }
}

/// errcodes that mean the caller's input was wrong: invalid or used code,
/// openid, template, page, scene or data, a user who refused messages, an
/// empty or malformed body, an unpublished mini-program.
const CALLER_ERRORS: &[i64] = &[
    40003, 40029, 40037, 40097, 40163, 40165, 40169, 40212, 40226, 41030, 43101, 44002, 47001, 47003, 61010,
    85079,
];
/// Quota errcodes: daily, per minute, long-term link quota.
const QUOTA_ERRORS: &[i64] = &[45009, 45011, 85400];

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Refused { errcode, errmsg } => {
                let status = if CALLER_ERRORS.contains(&errcode) {
                    ErrorKind::Invalid
                } else if QUOTA_ERRORS.contains(&errcode) {
                    ErrorKind::TooManyAttempts
                } else {
                    ErrorKind::Upstream
                };
                Error::new(
                    status,
                    format!("WeChat refused the call: errcode {errcode}, {errmsg}"),
                )
            }
            Failure::Unreachable(reason) => Error::new(
                ErrorKind::Upstream,
                format!("WeChat did not answer usably: {reason}."),
            ),
        }
    }
}

/// WeChat's base URL and a client built on first use, so functions that
/// never call WeChat do not pay for TLS set-up at cold start.
pub struct Upstream {
    base: String,
    client: tokio::sync::OnceCell<reqwest::Client>,
}

impl Upstream {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            client: tokio::sync::OnceCell::new(),
        }
    }

    async fn client(&self) -> Result<&reqwest::Client, Failure> {
        self.client
            .get_or_try_init(|| async {
                reqwest::Client::builder()
                    .timeout(TIMEOUT)
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build()
                    .map_err(|err| Failure::Unreachable(format!("no HTTP client: {err}")))
            })
            .await
    }

    /// Sends one request and reads the answer; a JSON answer with a
    /// non-zero errcode is a `Failure::Refused`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Answer, Failure> {
        let mut request = self
            .client()
            .await?
            .request(method, format!("{}{path}", self.base))
            .query(query);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|err| {
            // reqwest's error text includes the URL, query and all.
            let reason = if err.is_timeout() {
                "timed out"
            } else if err.is_connect() {
                "could not connect"
            } else {
                "the request failed"
            };
            tracing::warn!(path, reason, "WeChat call failed");
            Failure::Unreachable(reason.to_owned())
        })?;
        let status = response.status();
        if !status.is_success() {
            tracing::warn!(path, %status, "WeChat answered with an HTTP error");
            return Err(Failure::Unreachable(format!("HTTP status {status}")));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response
            .bytes()
            .await
            .map_err(|_| Failure::Unreachable("the answer was cut off".to_owned()))?;
        let answer = read_answer(content_type, bytes.to_vec())?;
        if let Answer::Json(json) = &answer {
            check_errcode(path, json)?;
        }
        Ok(answer)
    }
}

/// JSON when the media type says so (WeChat also sends JSON as text/plain)
/// or the body is an object; anything else is a binary answer.
fn read_answer(content_type: String, bytes: Vec<u8>) -> Result<Answer, Failure> {
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let looks_json =
        matches!(media_type.as_str(), "application/json" | "text/plain" | "") || bytes.first() == Some(&b'{');
    if !looks_json {
        return Ok(Answer::Binary { content_type, bytes });
    }
    serde_json::from_slice(&bytes)
        .map(Answer::Json)
        .map_err(|_| Failure::Unreachable("the answer is not JSON".to_owned()))
}

fn check_errcode(path: &str, json: &Value) -> Result<(), Failure> {
    let errcode = json.get("errcode").and_then(Value::as_i64).unwrap_or(0);
    if errcode == 0 {
        return Ok(());
    }
    let errmsg = json
        .get("errmsg")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    tracing::info!(path, errcode, "WeChat refused a call");
    Err(Failure::Refused { errcode, errmsg })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_json_by_media_type_or_shape() {
        let json_body = br#"{"errcode":0}"#.to_vec();
        for content_type in ["application/json; encoding=utf-8", "text/plain", "image/jpeg"] {
            assert_eq!(
                read_answer(content_type.into(), json_body.clone()).unwrap(),
                Answer::Json(json!({"errcode": 0}))
            );
        }
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xD9];
        assert_eq!(
            read_answer("image/jpeg".into(), jpeg.clone()).unwrap(),
            Answer::Binary {
                content_type: "image/jpeg".into(),
                bytes: jpeg
            }
        );
        assert!(read_answer("application/json".into(), b"<html>".to_vec()).is_err());
    }

    #[test]
    fn a_missing_errcode_is_success() {
        assert!(check_errcode("/sns/jscode2session", &json!({"openid": "o"})).is_ok());
        assert_eq!(
            check_errcode("/x", &json!({"errcode": 40029, "errmsg": "invalid code, rid: 1"})),
            Err(Failure::Refused {
                errcode: 40029,
                errmsg: "invalid code, rid: 1".into()
            })
        );
    }

    #[test]
    fn maps_errcodes_to_kinds() {
        let kind = |errcode| {
            Error::from(Failure::Refused {
                errcode,
                errmsg: "m".into(),
            })
            .kind()
        };
        for caller_error in [40029, 40163, 47003, 43101] {
            assert_eq!(kind(caller_error), ErrorKind::Invalid);
        }
        assert_eq!(kind(45009), ErrorKind::TooManyAttempts);
        assert_eq!(kind(45011), ErrorKind::TooManyAttempts);
        assert_eq!(kind(40001), ErrorKind::Upstream);
        assert_eq!(kind(-1), ErrorKind::Upstream);
        let err = Error::from(Failure::Refused {
            errcode: 40029,
            errmsg: "invalid code, rid: 1".into(),
        });
        assert!(err.message().contains("40029") && err.message().contains("invalid code"));
    }
}
