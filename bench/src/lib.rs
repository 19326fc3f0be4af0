//! What the measurement programs share: the local stack they run against,
//! the data they provision, the events they send and how they summarise
//! timings. Run them through `scripts/measure.sh`.

pub mod event;
pub mod fixture;
pub mod stats;

use aws_config::SdkConfig;
use oauthapp_shared::Config;
use serde_json::Value;

/// Any failure ends a measurement: a figure from a broken run is worse than none.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The SDK configuration and the service configuration, from the
/// environment `scripts/env.sh`'s `use_local_stack` sets. Refuses to run
/// without a DynamoDB endpoint: the programs write to the table, and must
/// never reach AWS.
pub async fn local_stack() -> Result<(SdkConfig, Config), Failure> {
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_none() {
        return Err(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: measurements run against DynamoDB Local \
                    only (scripts/measure.sh sets it)"
                .into(),
        );
    }
    let sdk = oauthapp_shared::aws_sdk::config().await;
    let config = Config::load(&sdk).await?;
    Ok((sdk, config))
}

/// Checks an answer: the HTTP status and the envelope's `code` are both
/// `expected`, so a broken function cannot pass for a fast one.
pub fn check_answer(status: u16, body: &str, expected: u16) -> Result<(), Failure> {
    let code = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|envelope| envelope["code"].as_u64());
    if status == expected && code == Some(u64::from(expected)) {
        Ok(())
    } else {
        Err(
            format!("expected status {expected} and envelope code {expected}, got status {status}: {body}")
                .into(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_needs_both_the_status_and_the_code() {
        assert!(check_answer(200, r#"{"code":200,"data":1,"err":""}"#, 200).is_ok());
        assert!(check_answer(409, r#"{"code":409,"data":null,"err":"x"}"#, 409).is_ok());
        assert!(check_answer(200, r#"{"code":500,"data":null,"err":"x"}"#, 200).is_err());
        assert!(check_answer(500, r#"{"code":200,"data":1,"err":""}"#, 200).is_err());
        assert!(check_answer(200, "not json", 200).is_err());
    }
}
