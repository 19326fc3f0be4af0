//! Apps whose users prove who they are with a `wx.login` code: binding and
//! external sign-in exchange the code with the fake WeChat and use the
//! unionid (else the openid) WeChat returns.

use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::store::NewUser;
use serde_json::{Value, json};

use crate::common::Harness;

#[tokio::test]
async fn external_accounts_bind_and_sign_in_with_codes() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    // The user a `wechat_code` sign-up on the web leaves behind.
    let web_user = NewUser {
        platform: "web".into(),
        union_id: Some("oWebUnion01".into()),
        wechat_open_id: Some("oWebOpen01".into()),
        ..NewUser::default()
    };
    let (user, token) = h.create_user(web_user).await;
    let bind = json!({"platform": "wxminip", "platformName": "Mini", "code": h.login_code("oMini01", Some("oMiniUnion01"))});
    let reply = h.with_token("POST", &h.external(""), Some(&bind), &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let listed = h.with_token("GET", &h.external(""), None, &token).await;
    let union_ids: Vec<&Value> = listed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["unionID"])
        .collect();
    assert_eq!(union_ids, [&json!("oWebUnion01"), &json!("oMiniUnion01")]);

    let sign_in = json!({"platform": "wxminip", "code": h.login_code("oMini01", Some("oMiniUnion01"))});
    let reply = h
        .send_json("POST", &h.external("/SignIn"), Some(&sign_in), &[])
        .await;
    assert_eq!(h.user_id(&reply.token()), user.id);
    h.send_json("POST", &h.external("/SignIn"), Some(&sign_in), &[])
        .await
        .assert_error(400, "errcode 40163");
}
