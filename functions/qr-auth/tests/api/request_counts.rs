//! DynamoDB requests per QR-code sign-in step, counted by an SDK
//! interceptor. Prints the table docs/measurements.md shows (`scripts/measure.sh`)
//! and holds each step to its budget. A web page polls every second or
//! two while its code is shown, so a poll stays one strongly consistent
//! read; only the poll that finds the key confirmed adds the conditional
//! write that hands out the token (a read costs a fifth of a write).

use oauthapp_shared::domain::{QrMode, UnionIdProof};
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn each_step_stays_within_its_request_budget() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let (_, token) = h.user_with_token("counted").await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "step");

    let key = h.new_key().await;
    budget.record("POST QRCodePreSignIn", 2, 200, 200);
    let reply = h.poll(key).await;
    budget.record("POST QRCodeSignIn (poll, not scanned)", 1, reply.status, 409);
    let reply = h.scan(key).await;
    budget.record("POST QRCodeScan", 2, reply.status, 200);
    let reply = h.poll(key).await;
    budget.record("POST QRCodeSignIn (poll, scanned)", 1, reply.status, 409);
    let reply = h.confirm_login(key, &token).await;
    budget.record(
        "POST QR-Auth/Confirm-Login (key read from its guard)",
        4,
        reply.status,
        200,
    );
    let reply = h.poll(key).await;
    budget.record(
        "POST QRCodeSignIn (poll that redeems the token)",
        2,
        reply.status,
        200,
    );
    let reply = h.poll(key).await;
    budget.record("POST QRCodeSignIn (poll, redeemed already)", 1, reply.status, 400);

    let body = json!({"scopes": "s", "remark": "r", "scheme": "app"});
    let reply = h.post(&h.v1("Initiate"), &body, &[]).await;
    budget.record("POST QR-Auth/Initiate", 2, reply.status, 200);
    budget.finish();
}
