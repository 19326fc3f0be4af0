//! DynamoDB requests of Info (`scripts/measure.sh requests` prints the table).

use crate::Harness;

#[tokio::test]
async fn info_stays_within_its_request_budget() {
    let h = Harness::with_properties().await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");
    // The instance's first request with the app's key also reads its guard.
    let reply = h.info("").await;
    budget.record("GET App/Info (key new to the instance)", 3, reply.status, 200);
    // The per-IP count and the app (its allowance and its card), at once.
    let reply = h.info("").await;
    budget.record("GET App/Info", 2, reply.status, 200);
    let reply = h.info("propCode=minVersion").await;
    budget.record("GET App/Info?propCode=", 2, reply.status, 200);
    budget.finish();
}
