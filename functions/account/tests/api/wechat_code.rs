//! Apps whose users prove who they are with a `wx.login` code: union-id
//! sign-up and sign-in exchange the code with the fake WeChat and use the
//! unionid (else the openid) WeChat returns.

use oauthapp_shared::domain::UnionIdProof;
use serde_json::json;
use testkit::decode_claims;

use crate::common::Harness;

#[tokio::test]
async fn sign_up_and_sign_in_with_login_codes() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    let code = h.login_code("oOpen0001", Some("oUnion0001"));
    let sign_up = json!({"platform": "wxminip", "code": code, "nickName": "Ann"});
    let reply = h
        .send_json("POST", &h.legacy("UnionIDSignUp"), Some(&sign_up), &[])
        .await;
    let token = reply.token();
    assert!(!reply.body.to_string().contains("session_key"));
    let claims = decode_claims(&token);
    assert_eq!(claims["unionid"], "oUnion0001");
    let user = h.store.user(h.app.id, h.user_id(&token)).await.unwrap().unwrap();
    assert_eq!(user.union_id.as_deref(), Some("oUnion0001"));
    assert_eq!(user.wechat_open_id.as_deref(), Some("oOpen0001"));
    assert_eq!(
        user.wechat_union_id.as_deref(),
        Some("oUnion0001"),
        "proven by WeChat"
    );

    // The code was spent on WeChat: using it again is WeChat's 40163.
    h.send_json("POST", &h.legacy("UnionIDSignIn"), Some(&sign_up), &[])
        .await
        .assert_error(400, "errcode 40163");

    let sign_in = |code: String, union_id: Option<&str>| {
        let mut body = json!({"platform": "wxminip", "code": code});
        if let Some(union_id) = union_id {
            body["unionID"] = json!(union_id);
        }
        body
    };
    for claimed in [None, Some("oUnion0001")] {
        let body = sign_in(h.login_code("oOpen0001", Some("oUnion0001")), claimed);
        let token = h
            .send_json("POST", &h.legacy("UnionIDSignIn"), Some(&body), &[])
            .await
            .token();
        assert_eq!(h.user_id(&token), user.id);
    }
    // A unionID that is not the code's user's is refused, and counts for nothing.
    let body = sign_in(h.login_code("oOpen0002", Some("oUnion0002")), Some("oUnion0001"));
    h.send_json("POST", &h.legacy("UnionIDSignIn"), Some(&body), &[])
        .await
        .assert_error(401, "does not belong to the WeChat user");
    // Without a code there is no proof; a client's unionID alone is not one.
    h.send_json(
        "POST",
        &h.legacy("UnionIDSignIn"),
        Some(&json!({"platform": "wxminip", "unionID": "oUnion0001"})),
        &[],
    )
    .await
    .assert_error(400, "`code` is required");
    // An unknown WeChat user is not registered.
    let body = sign_in(h.login_code("oOpen0003", Some("oUnion0003")), None);
    h.send_json("POST", &h.legacy("UnionIDSignIn"), Some(&body), &[])
        .await
        .assert_error(404, "No user is registered");
    // Signing up again as the same WeChat user is a conflict, not a second user.
    let again = json!({"platform": "wxminip", "code": h.login_code("oOpen0001", Some("oUnion0001"))});
    h.send_json("POST", &h.legacy("UnionIDSignUp"), Some(&again), &[])
        .await
        .assert_error(409, "exists already");
    assert_eq!(
        h.store.list_users(h.app.id, None, 10).await.unwrap().users.len(),
        1
    );
}

#[tokio::test]
async fn without_a_unionid_the_openid_is_the_id() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    let body = json!({"platform": "wxminip", "code": h.login_code("oOnlyOpen01", None)});
    let token = h
        .send_json("POST", &h.legacy("UnionIDSignUp"), Some(&body), &[])
        .await
        .token();
    assert_eq!(decode_claims(&token)["unionid"], "oOnlyOpen01");
}
