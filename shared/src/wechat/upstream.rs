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

/// The errcodes the service explains, with the error kind each is and the
/// service's own sentence for it. WeChat's errmsg is logged, never answered:
/// it can name the calling IP or the app's configuration faults.
const EXPLAINED: &[(i64, ErrorKind, &str)] = &[
    (
        40003,
        ErrorKind::Invalid,
        "the openid is not a user of this account",
    ),
    (40029, ErrorKind::Invalid, "the login code is invalid or expired"),
    (40037, ErrorKind::Invalid, "the template_id is invalid"),
    (40097, ErrorKind::Invalid, "the arguments are invalid"),
    (40163, ErrorKind::Invalid, "the login code was used already"),
    (40165, ErrorKind::Invalid, "the mini-program page path is invalid"),
    (
        40169,
        ErrorKind::Invalid,
        "the scene is too long, or the data is not a JSON string",
    ),
    (40212, ErrorKind::Invalid, "the query is invalid"),
    (40226, ErrorKind::Invalid, "the login code is blocked"),
    (
        41030,
        ErrorKind::Invalid,
        "the page is not a page of the published mini-program",
    ),
    (43101, ErrorKind::Invalid, "the user does not accept this message"),
    (44002, ErrorKind::Invalid, "the body is empty"),
    (47001, ErrorKind::Invalid, "the body is malformed"),
    (47003, ErrorKind::Invalid, "the template data is invalid"),
    (
        61010,
        ErrorKind::Invalid,
        "the user has not used the mini-program recently",
    ),
    (
        85079,
        ErrorKind::Invalid,
        "the mini-program has no released version",
    ),
    (
        45009,
        ErrorKind::TooManyAttempts,
        "the app's daily quota of this call is used up",
    ),
    (
        45011,
        ErrorKind::TooManyAttempts,
        "the app makes this call too often; retry next minute",
    ),
    (
        85400,
        ErrorKind::TooManyAttempts,
        "the app's long-term quota of links is used up",
    ),
];

/// Any other errcode is WeChat's fault or the app's WeChat configuration's.
const UNEXPLAINED: &str =
    "WeChat or the app's WeChat configuration failed; the operator finds the details in the log";

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Refused { errcode, .. } => {
                let (kind, sentence) = EXPLAINED
                    .iter()
                    .find(|(code, ..)| *code == errcode)
                    .map_or((ErrorKind::Upstream, UNEXPLAINED), |(_, kind, sentence)| {
                        (*kind, *sentence)
                    });
                Error::new(
                    kind,
                    format!("WeChat refused the call: errcode {errcode}, {sentence}."),
                )
            }
            Failure::Unreachable(reason) => Error::new(
                ErrorKind::Upstream,
                format!("WeChat did not answer usably: {reason}."),
            ),
        }
    }
}

/// WeChat's base URL as configured: `https`, or `http` to a loopback
/// address when `http_loopback` allows it (the local fakes). A trailing
/// `/` is dropped.
pub fn api_base(base: &str, http_loopback: bool) -> Result<String, String> {
    let url = reqwest::Url::parse(base).map_err(|err| format!("{base:?} is not a URL: {err}"))?;
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if http_loopback && loopback => {}
        "http" if loopback => {
            return Err(format!(
                "{base:?} is plain http: allowed only to loopback and with WECHAT_HTTP_LOOPBACK=true"
            ));
        }
        _ => return Err(format!("{base:?} is not an https URL")),
    }
    Ok(base.trim_end_matches('/').to_owned())
}

/// WeChat's base URL and a client built on first use, so functions that
/// never call WeChat do not pay for TLS set-up at cold start.
pub struct Upstream {
    base: String,
    client: tokio::sync::OnceCell<reqwest::Client>,
}

impl Upstream {
    /// `base` as `api_base` checked it.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            client: tokio::sync::OnceCell::new(),
        }
    }

    async fn client(&self) -> Result<&reqwest::Client, Failure> {
        self.client
            .get_or_try_init(|| async {
                reqwest::Client::builder()
                    .timeout(TIMEOUT)
                    .connect_timeout(CONNECT_TIMEOUT)
                    // A redirect would send the query (token, secret) and
                    // body to wherever WeChat's answer points.
                    .redirect(reqwest::redirect::Policy::none())
                    .https_only(self.base.starts_with("https://"))
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
    tracing::info!(path, errcode, errmsg, "WeChat refused a call");
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
            errcode: 40164,
            errmsg: "invalid ip 203.0.113.9, not in whitelist, rid: 1".into(),
        });
        assert!(err.message().contains("errcode 40164"), "{err:?}");
        assert!(!err.message().contains("203.0.113.9"), "{err:?}");
    }

    #[test]
    fn the_base_is_https_or_explicitly_loopback_http() {
        assert_eq!(
            api_base("https://api.weixin.qq.com/", false).as_deref(),
            Ok("https://api.weixin.qq.com")
        );
        for loopback in ["http://127.0.0.1:9", "http://[::1]:80", "http://localhost:8080"] {
            assert!(
                api_base(loopback, false)
                    .unwrap_err()
                    .contains("WECHAT_HTTP_LOOPBACK")
            );
            assert_eq!(api_base(loopback, true).as_deref(), Ok(loopback));
        }
        for refused in [
            "http://api.weixin.qq.com",
            "http://10.0.0.1",
            "ftp://127.0.0.1",
            "api.weixin.qq.com",
        ] {
            assert!(api_base(refused, true).is_err(), "{refused}");
        }
    }
}
