//! DynamoDB requests per QR-code sign-in step, counted by an SDK
//! interceptor. Prints the tables docs/measurements.md shows (`scripts/measure.sh`)
//! and holds each step to its budget. A web page polls every second or
//! two while its code is shown, so a poll stays one strongly consistent
//! read; only the poll that finds the key confirmed adds the read of the app
//! and user (one BatchGetItem) that mints the token and the conditional
//! write that redeems the key (a read costs a fifth of a write).

use oauthapp_shared::domain::{QrMode, UnionIdProof};
use serde_json::json;

use crate::common::{Harness, VERIFIER};

async fn each_step_in(mode: QrMode, heading: &'static str) {
    let h = Harness::new(UnionIdProof::None).await.in_qr_mode(mode).await;
    let (_, token) = h.user_with_token("counted").await;
    let mut budget = testkit::RequestBudget::new(&h.requests, heading);

    let key = h.strict_key().await;
    budget.record("POST QRCodePreSignIn", 3, 200, 200);
    let reply = h.poll_with(key, Some(VERIFIER)).await;
    budget.record("POST QRCodeSignIn (poll, not scanned)", 3, reply.status, 409);
    let reply = h.scan(key).await;
    budget.record("POST QRCodeScan", 3, reply.status, 200);
    let ticket = h.scan_ticket_if_any(&reply);
    let reply = h.poll_with(key, Some(VERIFIER)).await;
    budget.record("POST QRCodeSignIn (poll, scanned)", 3, reply.status, 409);
    let reply = h.confirm_login_with(key, &token, ticket.as_deref()).await;
    budget.record(
        "POST QR-Auth/Confirm-Login (key read from its guard)",
        3,
        reply.status,
        200,
    );
    let reply = h.poll_with(key, Some(VERIFIER)).await;
    budget.record(
        "POST QRCodeSignIn (poll that redeems the key)",
        6,
        reply.status,
        200,
    );
    let reply = h.poll_with(key, Some(VERIFIER)).await;
    budget.record("POST QRCodeSignIn (poll, redeemed already)", 3, reply.status, 400);

    let body =
        json!({"scopes": "s", "remark": "r", "scheme": "app", "codeChallenge": crate::common::CHALLENGE});
    let reply = h.post(&h.v1("Initiate"), &body, &[]).await;
    budget.record("POST QR-Auth/Initiate", 3, reply.status, 200);
    budget.finish();
}

#[tokio::test]
async fn each_step_stays_within_its_request_budget() {
    each_step_in(QrMode::Legacy, "step (legacy QR mode)").await;
    each_step_in(QrMode::Strict, "step (strict QR mode)").await;
}
