//! What operators read: in Lambda's JSON log format every line a request
//! logs carries the invocation's request id, and the body of a sign-in
//! (the password) never appears.
//!
//! Its own test binary: tracing decides once per process whether a log
//! statement is enabled, so a statement that the other tests' threads (with
//! no subscriber) reach first could stay disabled for this test's one.

#![allow(dead_code)] // The harness's other helpers serve the `api` tests.

#[path = "api/common.rs"]
mod common;

use common::Harness;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::http::envelope::Envelope;
use oauthapp_shared::http::function::contain_panics;
use oauthapp_shared::logging::{self, LogSettings};
use serde_json::{Value, json};
use testkit::logs::CapturedLogs;
use tracing::Instrument;

// One thread: the subscriber set for this test sees every task it runs.
#[tokio::test(flavor = "current_thread")]
async fn request_logs_are_json_with_the_request_id_and_no_password() {
    let logs = CapturedLogs::default();
    // The functions' own subscriber, as it is when the function's log
    // format is JSON.
    let json = LogSettings::from_lookup(|name| (name == "AWS_LAMBDA_LOG_FORMAT").then(|| "JSON".to_owned()));
    let subscriber = logging::subscriber(json, logs.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    // The handler runs in a task of its own, which needs 'static state.
    let h: &'static Harness = Box::leak(Box::new(Harness::new(UnionIdProof::None).await));

    h.faults.throttle_operation(1).await;
    let body = json!({"userName": "logged", "pwd": "pass-word-123"}).to_string();
    let request = testkit::request("POST", &h.path("SignIn"), Some(&body), &[]);
    // The span lambda_runtime opens around every invocation.
    let invocation = tracing::info_span!("Lambda runtime invoke", requestId = "4ef4b0e7-request-id");
    let response = contain_panics(Envelope::Legacy, h.answer(request))
        .instrument(invocation)
        .await;
    assert_eq!(response.status(), 503);

    let text = logs.text();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("every log line is JSON"))
        .collect();
    let warning = lines
        .iter()
        .find(|line| line["fields"]["message"] == "data store unavailable after retries")
        .unwrap_or_else(|| panic!("no store warning in {text}"));
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["span"]["requestId"], "4ef4b0e7-request-id", "{warning}");
    assert!(!text.contains("pass-word-123"), "{text}");
}
