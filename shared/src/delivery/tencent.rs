//! Tencent Cloud SMS, API 3.0 `SendSms` (version 2021-01-11), signed with
//! TC3-HMAC-SHA256 as Tencent Cloud documents it. Chinese carriers take only
//! templates approved in Tencent's console: the app's template gets the code
//! and its minutes as its two parameters, so notices without a code are not
//! sent this way.

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{DeliveryError, Outgoing};
use crate::domain::verification::Recipient;
use crate::domain::{App, Secret, clock};

pub const DEFAULT_ENDPOINT: &str = "https://sms.tencentcloudapi.com";
const SERVICE: &str = "sms";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
const CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// The deployment's Tencent Cloud API key (`TENCENT_SMS_CREDENTIALS`).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TencentCredentials {
    pub secret_id: String,
    pub secret_key: Secret,
}

impl TencentCredentials {
    /// `{"secretId": "...", "secretKey": "..."}`.
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|err| format!("expected {{\"secretId\",\"secretKey\"}}: {err}"))
    }
}

/// The client of Tencent Cloud SMS; without credentials it refuses to send.
#[derive(Clone)]
pub struct TencentSms {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    region: String,
    credentials: Option<TencentCredentials>,
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
}

/// The `Authorization` header of a request with `payload`, sent to `host` at
/// `timestamp` (TC3-HMAC-SHA256; the signed headers are content-type and host).
pub fn authorization(secret_id: &str, secret_key: &str, host: &str, payload: &str, timestamp: i64) -> String {
    let date = clock::utc_date(timestamp);
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\n\ncontent-type;host\n{}",
        sha256_hex(payload)
    );
    let scope = format!("{date}/{SERVICE}/tc3_request");
    let string_to_sign = format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
        sha256_hex(&canonical_request)
    );
    let secret_date = hmac(format!("TC3{secret_key}").as_bytes(), &date);
    let secret_service = hmac(&secret_date, SERVICE);
    let secret_signing = hmac(&secret_service, "tc3_request");
    let signature = hex::encode(hmac(&secret_signing, &string_to_sign));
    format!(
        "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    response: Response,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    error: Option<ApiError>,
    #[serde(default)]
    send_status_set: Vec<SendStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiError {
    code: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendStatus {
    code: String,
    message: String,
}

impl TencentSms {
    /// `endpoint` is Tencent's (`DEFAULT_ENDPOINT`) unless a test or a
    /// regional endpoint says otherwise.
    pub fn new(
        endpoint: &str,
        region: &str,
        credentials: Option<TencentCredentials>,
    ) -> Result<Self, String> {
        let url = reqwest::Url::parse(endpoint).map_err(|err| format!("{endpoint:?}: {err}"))?;
        let host = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(format!("{endpoint:?} names no host")),
        };
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .map_err(|err| err.to_string())?,
            endpoint: endpoint.trim_end_matches('/').to_owned() + "/",
            host,
            region: region.to_owned(),
            credentials,
        })
    }

    pub(super) async fn send(
        &self,
        app: &App,
        recipient: &Recipient,
        outgoing: Outgoing<'_>,
    ) -> Result<(), DeliveryError> {
        let Some((code, policy)) = outgoing.code else {
            // A template carries a code; a notice has none to carry.
            tracing::info!(
                app_id = app.id,
                "notice not sent: Tencent Cloud SMS sends approved code templates only"
            );
            return Ok(());
        };
        let credentials = self.credentials.as_ref().ok_or_else(|| {
            DeliveryError::NotConfigured("the deployment has no TENCENT_SMS_CREDENTIALS".into())
        })?;
        let settings = &app.verification;
        let missing =
            |what: &str| DeliveryError::NotConfigured(format!("no {what} is set for Tencent Cloud SMS"));
        let payload = json!({
            "PhoneNumberSet": [recipient.address()],
            "SmsSdkAppId": settings.sms_sdk_app_id.as_deref().ok_or_else(|| missing("SMS SDK app id"))?,
            "SignName": settings.sms_sign_name.as_deref().ok_or_else(|| missing("sign name"))?,
            "TemplateId": settings.sms_template_id.as_deref().ok_or_else(|| missing("template id"))?,
            "TemplateParamSet": [code.as_str(), policy.lifetime_minutes().to_string()],
        })
        .to_string();
        let timestamp = clock::now();
        let authorization = authorization(
            &credentials.secret_id,
            credentials.secret_key.expose(),
            &self.host,
            &payload,
            timestamp,
        );
        let answer: Answer = self
            .http
            .post(&self.endpoint)
            .header("Authorization", authorization)
            .header("Content-Type", CONTENT_TYPE)
            .header("Host", &self.host)
            .header("X-TC-Action", ACTION)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Region", &self.region)
            .body(payload)
            .send()
            .await
            .map_err(|err| DeliveryError::Failed(format!("Tencent Cloud SMS: {err}")))?
            .json()
            .await
            .map_err(|err| DeliveryError::Failed(format!("Tencent Cloud SMS answered no JSON: {err}")))?;
        if let Some(error) = answer.response.error {
            return Err(DeliveryError::Failed(format!(
                "Tencent Cloud SMS: {}: {}",
                error.code, error.message
            )));
        }
        match answer.response.send_status_set.first() {
            Some(status) if status.code == "Ok" => Ok(()),
            Some(status) => Err(DeliveryError::Failed(format!(
                "Tencent Cloud SMS: {}: {}",
                status.code, status.message
            ))),
            None => Err(DeliveryError::Failed(
                "Tencent Cloud SMS answered no send status".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorization_names_the_scope_and_signed_headers() {
        let header = authorization(
            "AKIDEXAMPLE",
            "secret",
            "sms.tencentcloudapi.com",
            "{}",
            1_700_000_000,
        );
        assert!(header.starts_with("TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/sms/tc3_request, SignedHeaders=content-type;host, Signature="), "{header}");
        let signature = header.rsplit('=').next().unwrap();
        assert_eq!(signature.len(), 64);
        assert_ne!(
            header,
            authorization(
                "AKIDEXAMPLE",
                "other",
                "sms.tencentcloudapi.com",
                "{}",
                1_700_000_000
            )
        );
        assert_ne!(
            header,
            authorization(
                "AKIDEXAMPLE",
                "secret",
                "sms.tencentcloudapi.com",
                "{ }",
                1_700_000_000
            )
        );
    }
}
