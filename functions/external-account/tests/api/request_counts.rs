//! DynamoDB requests per external-account endpoint, with a second factor
//! and with a `wechat_code` proof too, counted by an SDK interceptor.
//! Prints the tables docs/measurements.md shows (`scripts/measure.sh`) and holds each
//! endpoint to its budget.

use aws_sdk_dynamodb::types::AttributeValue;
use oauthapp_shared::domain::{UnionIdProof, clock};
use oauthapp_shared::store::{NewUser, Store, keys};
use serde_json::json;
use testkit::code_at;

use crate::common::Harness;

#[tokio::test]
async fn each_endpoint_stays_within_its_request_budget() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("counted", "secret-1").await;
    h.requests.take();
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");

    let reply = h.bind(&token, "github", "counted-gh").await;
    budget.record("POST ExternalAccount", 3, reply.status, 200);
    let reply = h.bind(&token, "github", "counted-gh").await;
    budget.record("POST ExternalAccount (bound already)", 2, reply.status, 200);
    assert_eq!(h.bind(&token, "gitlab", "counted-gl").await.status, 200);
    h.requests.take();
    let reply = h.with_token("GET", &h.external(""), None, &token).await;
    budget.record("GET ExternalAccount", 2, reply.status, 200);
    let reply = h
        .with_token("PUT", &h.external("/2"), Some(&json!({"avatar": "a"})), &token)
        .await;
    budget.record("PUT ExternalAccount/{id}", 5, reply.status, 200);
    let reply = h.with_token("DELETE", &h.external("/2"), None, &token).await;
    budget.record("DELETE ExternalAccount/{id}", 5, reply.status, 200);
    let reply = h.external_sign_in("github", "counted-gh", None).await;
    budget.record("POST ExternalAccount/SignIn", 5, reply.status, 200);

    let key = h.turn_on_two_factor(&token).await;
    let now = clock::now();
    h.requests.take();
    let reply = h
        .external_sign_in("github", "counted-gh", Some(&code_at(&key, now)))
        .await;
    budget.record(
        "POST ExternalAccount/SignIn (code used already)",
        8,
        reply.status,
        401,
    );
    let reply = h
        .external_sign_in("github", "counted-gh", Some(&code_at(&key, now + 30)))
        .await;
    budget.record(
        "POST ExternalAccount/SignIn (with a code, after a failure)",
        7,
        reply.status,
        200,
    );

    budget.finish();
}

/// A `wechat_code` sign-in reads the owner of the pair WeChat names after
/// the proof, on an instance's first request.
#[tokio::test]
async fn a_wechat_code_sign_in_stays_within_its_request_budget() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    // The user a `wechat_code` sign-up of the mini-program leaves behind.
    let wechat_user = NewUser {
        platform: "wxminip".into(),
        union_id: Some("oCountUnion01".into()),
        wechat_open_id: Some("oCount01".into()),
        wechat_union_id: Some("oCountUnion01".into()),
        ..NewUser::default()
    };
    h.create_user(wechat_user).await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "call");

    let code = h.login_code("oCount01", Some("oCountUnion01"));
    let reply = h
        .send_json(
            "POST",
            &h.external("/SignIn"),
            Some(&json!({"platform": "wxminip", "code": code})),
            &[],
        )
        .await;
    budget.record("POST ExternalAccount/SignIn (wechat_code)", 6, reply.status, 200);

    budget.finish();
}

#[tokio::test]
async fn after_its_warm_up_an_instance_asks_no_key_guard() {
    let h = Harness::new(UnionIdProof::None).await;
    // A fresh instance's store, as a cold start builds it.
    let instance = Store::new(h.store.client().clone(), h.store.table());
    h.requests.take();
    let learnt = instance.warm_up().await.unwrap();
    assert_eq!(h.requests.take(), 1, "one Query reads the key guards");
    assert!(
        (1..=100).contains(&learnt),
        "{learnt} keys: at least the harness's, at most a page"
    );
    // Other tests' apps share the table; the guard that sorts first is
    // certainly among those read.
    let first = h
        .store
        .client()
        .query()
        .table_name(h.store.table())
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(keys::APP_KEYS.to_owned()))
        .limit(1)
        .send()
        .await
        .unwrap();
    let guard = &first.items()[0];
    let key = guard["sk"].as_s().unwrap();
    let app_id: u64 = guard["appId"].as_n().unwrap().parse().unwrap();
    h.requests.take();
    assert_eq!(instance.app_id_by_key(key).await.unwrap(), Some(app_id));
    assert_eq!(h.requests.take(), 0, "the key was learnt during the warm-up");
    // The memo is the instance's: one that has not warmed up reads the guard.
    let cold = Store::new(h.store.client().clone(), h.store.table());
    assert_eq!(cold.app_id_by_key(key).await.unwrap(), Some(app_id));
    assert_eq!(h.requests.take(), 1);
}
