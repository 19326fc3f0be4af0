//! DynamoDB requests per endpoint, counted by an SDK interceptor. Prints
//! the table the README shows (`scripts/measure.sh`) and holds each
//! endpoint to its budget.

mod common;

use common::Harness;
use oauthapp_shared::store::UnionIdProof;
use serde_json::json;

#[tokio::test]
async fn each_endpoint_stays_within_its_request_budget() {
    let h = Harness::new(UnionIdProof::None).await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");

    let reply = h
        .post("SignUp", &json!({"userName": "counted", "pwd": "123456"}))
        .await;
    budget.record("POST SignUp", 3, reply.status, 200);
    let token = reply.token();
    let reply = h.sign_in("counted", "123456").await;
    budget.record("POST SignIn (success)", 2, reply.status, 200);
    let reply = h.sign_in("counted", "wrong-pwd").await;
    budget.record("POST SignIn (wrong password)", 2, reply.status, 401);
    let reply = h.sign_in("counted", "123456").await;
    budget.record("POST SignIn (success after a failure)", 3, reply.status, 200);
    let reply = h
        .post("UnionIDSignUp", &json!({"platform": "web", "unionID": "counted"}))
        .await;
    budget.record("POST UnionIDSignUp", 3, reply.status, 200);
    let reply = h
        .post("UnionIDSignIn", &json!({"platform": "web", "unionID": "counted"}))
        .await;
    budget.record("POST UnionIDSignIn", 2, reply.status, 200);
    let reply = h.get_with_token(&h.path("Profile"), &token).await;
    budget.record("GET Profile", 1, reply.status, 200);
    let reply = h
        .put_with_token("Profile", &json!({"nickName": "n"}), &token)
        .await;
    budget.record("PUT Profile", 1, reply.status, 200);
    let reply = h.get_with_token(&h.path("PointLog"), &token).await;
    budget.record("GET PointLog (empty)", 1, reply.status, 200);
    h.store
        .change_points(h.app.id, h.user_id(&token), 5, "", 1)
        .await
        .unwrap();
    h.requests.take();
    let reply = h
        .get_with_token(&format!("{}?type=1", h.path("PointLog")), &token)
        .await;
    budget.record("GET PointLog (a page)", 2, reply.status, 200);

    budget.finish();
}
