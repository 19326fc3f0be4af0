//! Each union-id proof mode: a good signature, a stale timestamp, a bad
//! signature, a tampered body; what the flags become; nothing written on refusal.

use oauthapp_shared::domain::{UnionIdProof, clock};
use serde_json::json;

use crate::common::Harness;

fn sign_up_body() -> serde_json::Value {
    json!({"platform": "wxminip", "unionID": "oKOsq40U1rMJ0CruOArCbEf8aJA8", "nickName": "微信用户",
           "email": "x@example.com", "phone": "13800000000", "emailIsValid": true, "phoneIsValid": true})
}

#[tokio::test]
async fn signature_mode_accepts_only_signed_requests() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let path = h.path("UnionIDSignUp");
    let body = sign_up_body().to_string();
    let now = clock::now();

    h.send("POST", &path, Some(&body), &[])
        .await
        .assert_error(401, "sign the request with the app secret");
    let stale = h.signature_headers("POST", &path, &body, now - 301);
    h.send("POST", &path, Some(&body), &stale)
        .await
        .assert_error(401, "more than 300 seconds");
    // The server reads its clock later than `now`: leave room for a slow run.
    let future = h.signature_headers("POST", &path, &body, now + 310);
    h.send("POST", &path, Some(&body), &future)
        .await
        .assert_error(401, "more than 300 seconds");
    let mut wrong = h.signature_headers("POST", &path, &body, now);
    wrong[1].1 = "0".repeat(64);
    h.send("POST", &path, Some(&body), &wrong)
        .await
        .assert_error(401, "does not match");
    let tampered_body = body.replace("oKOsq40U1rMJ0CruOArCbEf8aJA8", "someone-else");
    let signed_original = h.signature_headers("POST", &path, &body, now);
    h.send("POST", &path, Some(&tampered_body), &signed_original)
        .await
        .assert_error(401, "does not match");
    let other_path = h.signature_headers("POST", &h.path("UnionIDSignIn"), &body, now);
    h.send("POST", &path, Some(&body), &other_path)
        .await
        .assert_error(401, "does not match");
    assert_eq!(h.user_count().await, 0, "no refused request wrote anything");

    let reply = h.send("POST", &path, Some(&body), &signed_original).await;
    let token = reply.token();
    let profile = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(
        profile.data()["emailIsValid"],
        true,
        "a signed request may vouch for the email"
    );
    assert_eq!(profile.data()["phoneIsValid"], true);

    let sign_in = json!({"platform": "wxminip", "unionID": "oKOsq40U1rMJ0CruOArCbEf8aJA8"});
    h.post("UnionIDSignIn", &sign_in)
        .await
        .assert_error(401, "sign the request");
    assert_eq!(h.post_signed("UnionIDSignIn", &sign_in).await.status, 200);
}

#[tokio::test]
async fn none_mode_takes_the_clients_word_but_not_its_flags() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.post("UnionIDSignUp", &sign_up_body()).await.token();
    let profile = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(profile.data()["emailIsValid"], false);
    assert_eq!(profile.data()["phoneIsValid"], false);

    // A signature that is sent must still verify; a good one is honoured.
    let mut body = sign_up_body();
    body["unionID"] = json!("second");
    let path = h.path("UnionIDSignUp");
    let mut bad = h.signature_headers("POST", &path, &body.to_string(), clock::now());
    bad[1].1 = "f".repeat(64);
    h.send("POST", &path, Some(&body.to_string()), &bad)
        .await
        .assert_error(401, "does not match");
    let token = h.post_signed("UnionIDSignUp", &body).await.token();
    let profile = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(profile.data()["emailIsValid"], true);
}

#[tokio::test]
async fn wechat_code_mode_needs_a_login_code_even_from_the_backend() {
    // Exchanging codes is tested against a fake WeChat in the wechat function.
    let h = Harness::new(UnionIdProof::WechatCode).await;
    h.post_signed("UnionIDSignUp", &sign_up_body())
        .await
        .assert_error(
            400,
            "`code` is required: this app proves unionIDs with a WeChat login code",
        );
    h.post("UnionIDSignIn", &json!({"platform": "web", "unionID": "abc"}))
        .await
        .assert_error(400, "`code` is required");
    assert_eq!(h.user_count().await, 0);
}

#[tokio::test]
async fn unknown_union_ids_do_not_sign_in() {
    let h = Harness::new(UnionIdProof::Signature).await;
    h.post_signed("UnionIDSignIn", &json!({"platform": "web", "unionID": "nobody"}))
        .await
        .assert_error(404, "sign up with UnionIDSignUp");
}
