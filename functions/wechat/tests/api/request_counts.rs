//! DynamoDB requests per WeChat endpoint, counted by an SDK interceptor.
//! Prints the table docs/measurements.md shows (`scripts/measure.sh`) and holds each
//! call to its budget. WeChat calls are on a warm instance unless the row
//! says otherwise; each signed call counts the write spending its nonce.

use oauthapp_shared::domain::UnionIdProof;
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn each_call_stays_within_its_request_budget() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    let token = h.wechat_user("oCount01", "oCountUnion01").await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "call");

    let code = h.login_code("oCount02", None);
    let reply = h.code_to_session(&code).await;
    budget.record("GET JSCode2Session", 3, reply.status, 200);

    let link = h.wechat("UrlLinkGenerate");
    let body = json!({"path": "pages/index/index"});
    let reply = h.backend("POST", &link, Some(&body)).await;
    budget.record(
        "POST UrlLinkGenerate, first call ever (token fetched)",
        5,
        reply.status,
        200,
    );
    let reply = h.backend("POST", &link, Some(&body)).await;
    budget.record(
        "POST UrlLinkGenerate, signed by the backend",
        2,
        reply.status,
        200,
    );
    let message = json!({"touser": "oCount01", "template_id": "T", "data": {"a": {"value": 1}}});
    let reply = h
        .user(&token, "POST", &h.wechat("SubscribeSend"), Some(&message))
        .await;
    budget.record("POST SubscribeSend, Bearer", 1, reply.status, 200);

    let cold = h.another_instance();
    let request = testkit::request(
        "POST",
        &link,
        Some(&body.to_string()),
        &h.signed("POST", &link, Some(&body)),
    );
    let status = cold.answer(request).await.status().as_u16();
    budget.record(
        "POST UrlLinkGenerate, cold instance (token shared)",
        4,
        status,
        200,
    );

    let config = h.wechat("JSConfig?url=https%3A%2F%2Fa.example%2F");
    let reply = h.backend("GET", &config, None).await;
    budget.record(
        "GET JSConfig, first call ever (token and ticket fetched)",
        8,
        reply.status,
        200,
    );
    let reply = h.backend("GET", &config, None).await;
    budget.record("GET JSConfig", 2, reply.status, 200);

    budget.finish();
}
