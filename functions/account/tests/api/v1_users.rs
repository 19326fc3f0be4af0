//! v1 `/User/{appKey}` sign-up and sign-in: the legacy rules in the v1
//! envelope, on the same users as the legacy API.

use oauthapp_shared::domain::UnionIdProof;
use serde_json::json;

use crate::common::{GOOD_PASSWORD, Harness};

#[tokio::test]
async fn a_user_signed_up_through_one_generation_signs_in_through_the_other() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let v1_sign_up = h.v1("User", "/SignUp");
    let v1_sign_in = h.v1("User", "/SignIn");

    let reply = h
        .send_json(
            "POST",
            &v1_sign_up,
            Some(&json!({"userName": "v1-walker", "pwd": GOOD_PASSWORD, "nickName": "walker"})),
            &[],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["error"], "", "the v1 envelope: {}", reply.body);
    assert!(reply.body.get("err").is_none(), "{}", reply.body);
    let first = reply.token();
    let legacy = h
        .post("SignIn", &json!({"userName": "v1-walker", "pwd": GOOD_PASSWORD}))
        .await;
    assert_eq!(h.user_id(&legacy.token()), h.user_id(&first));

    h.sign_up("legacy-walker", GOOD_PASSWORD).await;
    let reply = h
        .send_json(
            "POST",
            &v1_sign_in,
            Some(&json!({"userName": "legacy-walker", "pwd": GOOD_PASSWORD})),
            &[],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.data()["token_type"], "Bearer");
}

#[tokio::test]
async fn v1_failures_are_v1_envelopes_and_change_nothing() {
    let h = Harness::new(UnionIdProof::Signature).await;
    h.sign_up("taken-name", GOOD_PASSWORD).await;
    let users = h.user_count().await;

    let taken = h
        .send_json(
            "POST",
            &h.v1("User", "/SignUp"),
            Some(&json!({"userName": "TAKEN-name", "pwd": GOOD_PASSWORD})),
            &[],
        )
        .await;
    taken.assert_error(409, "taken");
    assert!(taken.body.get("error").is_some(), "{}", taken.body);
    let short = h
        .send_json(
            "POST",
            &h.v1("User", "/SignUp"),
            Some(&json!({"userName": "shorty", "pwd": "1"})),
            &[],
        )
        .await;
    assert_eq!(short.status, 400, "{}", short.body);
    let wrong = h
        .send_json(
            "POST",
            &h.v1("User", "/SignIn"),
            Some(&json!({"userName": "taken-name", "pwd": "not-the-password"})),
            &[],
        )
        .await;
    wrong.assert_error(401, "incorrect");
    assert_eq!(h.user_count().await, users);
}

#[tokio::test]
async fn v1_union_id_sign_up_needs_the_backend_signature_and_signs_in_both_ways() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let body = json!({"platform": "web", "unionID": "v1-union", "userName": "v1-union-user", "pwd": GOOD_PASSWORD, "nickName": "union"});
    let sign_up = h.v1("User", "/UnionIDSignUp");

    let unsigned = h.send_json("POST", &sign_up, Some(&body), &[]).await;
    assert_eq!(unsigned.status, 401, "{}", unsigned.body);
    assert_eq!(h.user_count().await, 0);

    let signed = testkit::Harness::post_signed(&h, &sign_up, &body, None).await;
    let user_id = h.user_id(&signed.token());
    let sign_in = json!({"platform": "web", "unionID": "v1-union"});
    let v1 = testkit::Harness::post_signed(&h, &h.v1("User", "/UnionIDSignIn"), &sign_in, None).await;
    let legacy = h.post_signed("UnionIDSignIn", &sign_in).await;
    assert_eq!(h.user_id(&v1.token()), user_id);
    assert_eq!(h.user_id(&legacy.token()), user_id);

    let unknown = testkit::Harness::post_signed(
        &h,
        &h.v1("User", "/UnionIDSignIn"),
        &json!({"platform": "web", "unionID": "nobody"}),
        None,
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert!(unknown.body.get("error").is_some(), "{}", unknown.body);
}
