//! What operators read: in Lambda's JSON log format every line a request
//! logs carries the invocation's request id, and the body of a sign-in
//! (the password) never appears.

mod common;

use account::handle;
use common::Harness;
use oauthapp_shared::Envelope;
use oauthapp_shared::function::contain_panics;
use oauthapp_shared::store::UnionIdProof;
use serde_json::{Value, json};
use testkit::logs::CapturedLogs;
use tracing::Instrument;

// One thread: the subscriber set for this test sees every task it runs.
#[tokio::test(flavor = "current_thread")]
async fn request_logs_are_json_with_the_request_id_and_no_password() {
    let logs = CapturedLogs::default();
    // As `lambda_http::tracing::init_default_subscriber` sets it up when
    // the function's LogFormat is JSON.
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // The handler runs in a task of its own, which needs 'static state.
    let h: &'static Harness = Box::leak(Box::new(Harness::new(UnionIdProof::None).await));

    h.faults.throttle_operation(1).await;
    let body = json!({"userName": "logged", "pwd": "pass-word-123"}).to_string();
    let request = testkit::request("POST", &h.path("SignIn"), Some(&body), &[]);
    // The span lambda_runtime opens around every invocation.
    let invocation = tracing::info_span!("Lambda runtime invoke", requestId = "4ef4b0e7-request-id");
    let response = contain_panics(Envelope::Legacy, handle(&h.state, request))
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
