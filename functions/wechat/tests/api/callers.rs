//! Who may make the calls that spend the app's finite WeChat quotas: the
//! backend, and users only when the app lets them, each for the
//! official-account openids a WeChat login of theirs proved.

use oauthapp_shared::domain::UnionIdProof;
use serde_json::json;

use crate::common::Harness;

const LINK: &str = "/wxa/generate_urllink";

#[tokio::test]
async fn users_cannot_spend_a_backend_only_quota() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    let token = h.wechat_user("oUser0001", "oUnionUser0001").await;
    h.fake()
        .add_follower(&h.official().app_id, "oOaUser0001", Some("oUnionUser0001"));
    let quota_calls = [
        ("POST", "WXACodeGet", Some(json!({"path": "pages/index/index"}))),
        ("POST", "WXACodeGetUnlimited", Some(json!({"scene": "k=1"}))),
        (
            "POST",
            "UrlLinkGenerate",
            Some(json!({"path": "pages/index/index"})),
        ),
        (
            "POST",
            "GenerateScheme",
            Some(json!({"jump_wxa": {"path": "pages/index/index"}})),
        ),
        (
            "POST",
            "MsgSecCheck",
            Some(json!({"content": "hi", "scene": 2, "openid": "oUser0001"})),
        ),
        (
            "POST",
            "SubscribeMSG",
            Some(
                json!({"touser": "oOaUser0001", "template_id": "T", "scene": "1", "title": "t",
                        "data": {"content": {"value": "v"}}}),
            ),
        ),
        ("GET", "UserInfo?openid=oOaUser0001", None),
    ];
    for (method, route, body) in &quota_calls {
        h.user(&token, method, &h.wechat(route), body.as_ref())
            .await
            .assert_error(403, "only the app's backend");
    }
    for path in [
        "/wxa/getwxacode",
        "/wxa/getwxacodeunlimit",
        LINK,
        "/wxa/generatescheme",
        "/wxa/msg_sec_check",
    ] {
        assert_eq!(h.fake().calls(path), 0, "{path} was called");
    }
    assert_eq!(h.fake().calls("/cgi-bin/user/info"), 0);
    // Calls that spend no finite quota stay open to users.
    let message = json!({"touser": "oUser0001", "template_id": "T", "data": {"a": {"value": 1}}});
    let reply = h
        .user(&token, "POST", &h.wechat("SubscribeSend"), Some(&message))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn a_profile_union_id_proves_no_official_account_openid() {
    let h = Harness::letting_users_call(UnionIdProof::None, 10).await;
    h.fake()
        .add_follower(&h.official().app_id, "oOaVictim", Some("oUnionVictim"));
    // Under the `none` proof anyone may sign up claiming the victim's unionID.
    let (_, token) = h.union_id_user("wxminip", "oUnionVictim").await;
    h.user(&token, "GET", &h.wechat("UserInfo?openid=oOaVictim"), None)
        .await
        .assert_error(403, "a WeChat login");
    let message = json!({"touser": "oOaVictim", "template_id": "T", "scene": "1", "title": "t",
                         "data": {"content": {"value": "v"}}});
    h.user(&token, "POST", &h.wechat("SubscribeMSG"), Some(&message))
        .await
        .assert_error(403, "a WeChat login");
    assert_eq!(h.fake().calls("/cgi-bin/message/template/subscribe"), 0);
}

#[tokio::test]
async fn users_make_quota_calls_when_the_app_lets_them() {
    let h = Harness::letting_users_call(UnionIdProof::WechatCode, 10).await;
    let token = h.wechat_user("oUser0001", "oUnionUser0001").await;
    let official = &h.official().app_id;
    h.fake()
        .add_follower(official, "oOaUser0001", Some("oUnionUser0001"));
    h.fake().add_follower(official, "oOaOther", Some("oUnionOther"));
    h.fake().add_follower(official, "oOaUnbound", None);
    let reply = h
        .user(
            &token,
            "POST",
            &h.wechat("UrlLinkGenerate"),
            Some(&json!({"path": "a"})),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(h.fake().calls(LINK), 1);
    let reply = h
        .user(&token, "GET", &h.wechat("UserInfo?openid=oOaUser0001"), None)
        .await;
    assert_eq!(reply.data(), "oUnionUser0001", "{reply:?}");
    for other in ["oOaOther", "oOaUnbound"] {
        h.user(
            &token,
            "GET",
            &h.wechat(&format!("UserInfo?openid={other}")),
            None,
        )
        .await
        .assert_error(403, "a WeChat login");
    }
    // The backend resolves anyone.
    let reply = h
        .backend("GET", &h.wechat("UserInfo?openid=oOaOther"), None)
        .await;
    assert_eq!(reply.data(), "oUnionOther", "{reply:?}");
}

#[tokio::test]
async fn each_user_makes_at_most_the_apps_allowance_of_quota_calls_a_minute() {
    let h = Harness::letting_users_call(UnionIdProof::WechatCode, 2).await;
    let first = h.wechat_user("oUser0001", "oUnionUser0001").await;
    let second = h.wechat_user("oUser0002", "oUnionUser0002").await;
    let (link, body) = (h.wechat("UrlLinkGenerate"), json!({"path": "a"}));
    testkit::wait_for_a_fresh_minute().await;
    for _ in 0..2 {
        assert_eq!(h.user(&first, "POST", &link, Some(&body)).await.status, 200);
    }
    let response = h
        .respond("POST", &link, Some(&body.to_string()), &[testkit::bearer(&first)])
        .await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    testkit::Reply::from_response(response).assert_error(429, "by this user");
    // Every quota call counts on the same allowance.
    h.user(
        &first,
        "POST",
        &h.wechat("WXACodeGet"),
        Some(&json!({"path": "p"})),
    )
    .await
    .assert_error(429, "by this user");
    assert_eq!(h.fake().calls(LINK), 2, "refused calls never reach WeChat");
    assert_eq!(h.fake().calls("/wxa/getwxacode"), 0);
    // Other users and the backend have allowances of their own.
    assert_eq!(h.user(&second, "POST", &link, Some(&body)).await.status, 200);
    assert_eq!(h.backend("POST", &link, Some(&body)).await.status, 200);
}
