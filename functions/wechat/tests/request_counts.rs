//! DynamoDB requests per WeChat endpoint and wechat_code sign-in, counted
//! by an SDK interceptor. Prints the table the README shows
//! (`scripts/measure.sh`) and holds each call to its budget. WeChat calls
//! are on a warm instance unless the row says otherwise.

mod common;

use common::Harness;
use oauthapp_shared::store::UnionIdProof;
use serde_json::json;

#[tokio::test]
async fn each_call_stays_within_its_request_budget() {
    let h = Harness::new(UnionIdProof::WechatCode).await;
    let mut rows = Vec::new();
    let mut measure = |endpoint: &str, budget: usize, status: u16| {
        let used = h.requests.take();
        assert_eq!(status, 200, "{endpoint}");
        rows.push((endpoint.to_owned(), used, budget));
    };

    let code = h.login_code("oCount01", Some("oCountUnion01"));
    let reply = h
        .send(
            "POST",
            &h.legacy("UnionIDSignUp"),
            Some(&json!({"platform": "wxminip", "code": code})),
            &[],
        )
        .await;
    measure("POST UnionIDSignUp (wechat_code)", 3, reply.status);
    let token = reply.token();
    let code = h.login_code("oCount01", Some("oCountUnion01"));
    let reply = h
        .send(
            "POST",
            &h.legacy("UnionIDSignIn"),
            Some(&json!({"platform": "wxminip", "code": code})),
            &[],
        )
        .await;
    measure("POST UnionIDSignIn (wechat_code)", 3, reply.status);
    let code = h.login_code("oCount01", Some("oCountUnion01"));
    let reply = h
        .send(
            "POST",
            &h.external("/SignIn"),
            Some(&json!({"platform": "wxminip", "code": code})),
            &[],
        )
        .await;
    measure("POST ExternalAccount/SignIn (wechat_code)", 4, reply.status);

    let code = h.login_code("oCount02", None);
    let reply = h.code_to_session(&code).await;
    measure("GET JSCode2Session", 2, reply.status);

    let link = h.wechat("UrlLinkGenerate");
    let body = json!({"path": "pages/index/index"});
    let reply = h.backend("POST", &link, Some(&body)).await;
    measure(
        "POST UrlLinkGenerate, first call ever (token fetched)",
        5,
        reply.status,
    );
    let reply = h.backend("POST", &link, Some(&body)).await;
    measure("POST UrlLinkGenerate, signed by the backend", 2, reply.status);
    let message = json!({"touser": "oCount01", "template_id": "T", "data": {"a": {"value": 1}}});
    let reply = h
        .user(&token, "POST", &h.wechat("SubscribeSend"), Some(&message))
        .await;
    measure("POST SubscribeSend, Bearer", 2, reply.status);

    let cold = h.another_wechat_instance();
    let request = testkit::request(
        "POST",
        &link,
        Some(&body.to_string()),
        &h.signed("POST", &link, Some(&body)),
    );
    let status = wechat::handle(&cold, request).await.status().as_u16();
    measure("POST UrlLinkGenerate, cold instance (token shared)", 3, status);

    let config = h.wechat("JSConfig?url=https%3A%2F%2Fa.example%2F");
    let reply = h.backend("GET", &config, None).await;
    measure(
        "GET JSConfig, first call ever (token and ticket fetched)",
        8,
        reply.status,
    );
    let reply = h.backend("GET", &config, None).await;
    measure("GET JSConfig", 2, reply.status);

    println!("| call | DynamoDB requests | budget |\n| --- | --- | --- |");
    for (endpoint, used, budget) in &rows {
        println!("| {endpoint} | {used} | {budget} |");
    }
    for (endpoint, used, budget) in rows {
        assert!(used <= budget, "{endpoint} made {used} requests, budget {budget}");
    }
}
