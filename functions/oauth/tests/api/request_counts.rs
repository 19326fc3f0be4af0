//! DynamoDB requests per endpoint of the OAuth edge, counted by an SDK
//! interceptor (`scripts/measure.sh requests` prints the table).

use crate::{Answer, Harness};

#[tokio::test]
async fn each_endpoint_stays_within_its_request_budget() {
    let h = Harness::fresh().await;
    let signed_in = h.signed_in().await;
    let spare = h.signed_in().await;
    // The instance's first request with the app's key reads its guard.
    h.refresh(spare.refresh_token.as_deref().unwrap()).await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");

    let reply = Answer::new(h.respond("GET", "/.well-known/jwks.json", None, &[]).await);
    budget.record("GET .well-known/jwks.json", 0, reply.status, 200);
    let reply = Answer::new(
        h.respond("GET", "/.well-known/openid-configuration", None, &[])
            .await,
    );
    budget.record("GET .well-known/openid-configuration", 0, reply.status, 200);
    // The per-IP count (the app's allowance, the counter) beside nothing
    // else; then the app, user and session in one BatchGetItem, and the
    // session's conditional Put.
    let reply = h.refresh(signed_in.refresh_token.as_deref().unwrap()).await;
    budget.record("POST oauth2/token (refresh)", 4, reply.status, 200);
    let reply = h.refresh("1.garbage.token").await;
    budget.record("POST oauth2/token (invalid_grant)", 2, reply.status, 400);
    let key = h.app.key.clone();
    let refresh_token = h.signed_in().await.refresh_token.unwrap();
    h.requests.take();
    let reply = h
        .form(
            "/oauth2/revoke",
            &[("token", &refresh_token), ("client_id", &key)],
        )
        .await;
    // The count, the BatchGetItem, the user's sessions, and the ending.
    budget.record("POST oauth2/revoke (a refresh token)", 5, reply.status, 200);
    budget.finish();
}
