//! A fake of Tencent Cloud SMS, API 3.0 `SendSms` (version 2021-01-11), as
//! Tencent Cloud documents it: it verifies each request's TC3-HMAC-SHA256
//! signature the way the server does, from the headers the request names as
//! signed, and answers `{"Response": {...}}` with a `SendStatusSet`, or an
//! `Error` with Tencent's codes. It knows the apps' SDK app ids, signs and
//! templates it was given, and records every message sent.

use std::sync::{Arc, Mutex, PoisonError};

use hmac::{Hmac, KeyInit, Mac};
use oauthapp_shared::domain::clock;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The API key the fake accepts.
pub const SECRET_ID: &str = "AKIDfaketencentsms0000000000000000";
pub const SECRET_KEY: &str = "fake-tencent-secret-key-000000000";

/// Signed requests older or newer than this are refused, as Tencent does.
const MAX_SKEW_SECONDS: i64 = 300;

/// A message the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentSms {
    pub phone_number: String,
    pub sdk_app_id: String,
    pub sign_name: String,
    pub template_id: String,
    pub params: Vec<String>,
}

#[derive(Default)]
struct State {
    /// (SmsSdkAppId, SignName, TemplateId) registered and approved.
    approved: Vec<(String, String, String)>,
    sent: Vec<SentSms>,
    refused: Vec<String>,
}

pub struct FakeTencentSms {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

struct Answer(Arc<Mutex<State>>);

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn error(code: &str, message: &str) -> Value {
    json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "fake-request"}})
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).and_then(|value| value.to_str().ok())
}

/// The server's side of TC3-HMAC-SHA256: the canonical request rebuilt
/// from what arrived (the signed headers as the Authorization names them),
/// then the signature under the secret key of the credential's id.
fn check_signature(request: &Request) -> Result<(), Value> {
    let authorization = header(request, "authorization")
        .ok_or_else(|| error("AuthFailure.SignatureFailure", "no Authorization"))?;
    let rest = authorization
        .strip_prefix("TC3-HMAC-SHA256 ")
        .ok_or_else(|| error("AuthFailure.SignatureFailure", "not TC3-HMAC-SHA256"))?;
    let field = |name: &str| {
        rest.split(", ")
            .find_map(|part| part.strip_prefix(&format!("{name}=")))
            .ok_or_else(|| error("AuthFailure.SignatureFailure", &format!("no {name}")))
    };
    let (credential, signed_headers, signature) =
        (field("Credential")?, field("SignedHeaders")?, field("Signature")?);
    let mut scope = credential.split('/');
    let (id, date, service, terminator) = (scope.next(), scope.next(), scope.next(), scope.next());
    if id != Some(SECRET_ID) {
        return Err(error("AuthFailure.SecretIdNotFound", "the SecretId is not found"));
    }
    let timestamp: i64 = header(request, "x-tc-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| error("MissingParameter", "X-TC-Timestamp"))?;
    if (clock::now() - timestamp).abs() > MAX_SKEW_SECONDS {
        return Err(error("AuthFailure.SignatureExpire", "the signature expired"));
    }
    let day = time::OffsetDateTime::from_unix_timestamp(timestamp)
        .expect("a timestamp")
        .date();
    let expected_date = format!("{:04}-{:02}-{:02}", day.year(), u8::from(day.month()), day.day());
    if date != Some(expected_date.as_str()) || service != Some("sms") || terminator != Some("tc3_request") {
        return Err(error(
            "AuthFailure.SignatureFailure",
            "the credential scope is wrong",
        ));
    }
    let mut canonical_headers = String::new();
    for name in signed_headers.split(';') {
        let value = header(request, name).ok_or_else(|| error("AuthFailure.SignatureFailure", name))?;
        canonical_headers.push_str(&format!(
            "{}:{}\n",
            name.to_ascii_lowercase(),
            value.trim().to_ascii_lowercase()
        ));
    }
    let query = request.url.query().unwrap_or("");
    let canonical_request = [
        request.method.as_str(),
        request.url.path(),
        query,
        &canonical_headers,
        signed_headers,
        &hex::encode(Sha256::digest(&request.body)),
    ]
    .join("\n");
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{expected_date}/sms/tc3_request\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let key = [b"sms".as_slice(), b"tc3_request"].iter().fold(
        hmac(format!("TC3{SECRET_KEY}").as_bytes(), expected_date.as_bytes()),
        |key, part| hmac(&key, part),
    );
    if hex::encode(hmac(&key, string_to_sign.as_bytes())) != signature {
        return Err(error(
            "AuthFailure.SignatureFailure",
            "the signature does not match",
        ));
    }
    Ok(())
}

impl Respond for Answer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let answer =
            (|| {
                if header(request, "x-tc-action") != Some("SendSms")
                    || header(request, "x-tc-version") != Some("2021-01-11")
                {
                    return Err(error("InvalidAction", "only SendSms of 2021-01-11"));
                }
                check_signature(request)?;
                let body: Value = serde_json::from_slice(&request.body)
                    .map_err(|_| error("InvalidParameter", "not JSON"))?;
                let text = |name: &str| {
                    body[name]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| error("MissingParameter", name))
                };
                let strings = |name: &str| -> Result<Vec<String>, Value> {
                    body[name]
                        .as_array()
                        .map(|items| {
                            items
                                .iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .ok_or_else(|| error("MissingParameter", name))
                };
                let (sdk_app_id, sign_name, template_id) =
                    (text("SmsSdkAppId")?, text("SignName")?, text("TemplateId")?);
                let (phones, params) = (strings("PhoneNumberSet")?, strings("TemplateParamSet")?);
                let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                let approved =
                    state
                        .approved
                        .contains(&(sdk_app_id.clone(), sign_name.clone(), template_id.clone()));
                let statuses: Vec<Value> = phones
                .iter()
                .map(|phone| {
                    let (code, message) = if !approved {
                        ("FailedOperation.TemplateIncorrectOrUnapproved", "the template is not approved")
                    } else if !phone.starts_with('+') {
                        ("InvalidParameterValue.IncorrectPhoneNumber", "the phone number is wrong")
                    } else {
                        ("Ok", "send success")
                    };
                    if code == "Ok" {
                        state.sent.push(SentSms {
                            phone_number: phone.clone(),
                            sdk_app_id: sdk_app_id.clone(),
                            sign_name: sign_name.clone(),
                            template_id: template_id.clone(),
                            params: params.clone(),
                        });
                    }
                    json!({"SerialNo": "fake-serial", "PhoneNumber": phone, "Fee": 1, "SessionContext": "",
                           "Code": code, "Message": message, "IsoCode": "CN"})
                })
                .collect();
                Ok(json!({"Response": {"SendStatusSet": statuses, "RequestId": "fake-request"}}))
            })();
        let body = answer.unwrap_or_else(|refusal| {
            let code = refusal["Response"]["Error"]["Code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .refused
                .push(code);
            refusal
        });
        // Tencent answers 200 with the outcome in the body.
        ResponseTemplate::new(200).set_body_json(body)
    }
}

impl FakeTencentSms {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(any())
            .respond_with(Answer(state.clone()))
            .mount(&server)
            .await;
        Self { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Approves a (SmsSdkAppId, SignName, TemplateId), as the console does.
    pub fn approve(&self, sdk_app_id: &str, sign_name: &str, template_id: &str) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .approved
            .push((sdk_app_id.into(), sign_name.into(), template_id.into()));
    }

    pub fn sent(&self) -> Vec<SentSms> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .sent
            .clone()
    }

    /// The error codes of the requests it refused.
    pub fn refused(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .refused
            .clone()
    }
}
