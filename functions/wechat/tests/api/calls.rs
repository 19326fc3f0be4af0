//! Every /Wechat/{appKey} server call against the fake WeChat: what it
//! sends, what it answers, how WeChat's errors map, and who may call.

use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::wechat::js_sdk_signature;
use serde_json::{Value, json};
use testkit::fake_wechat::FAKE_JPEG;
use testkit::harness::JS_API_LIST;

use crate::common::Harness;

// docs/wechat.md test vector A (official demo, appid wx4f4bc4dec97d474b) is
// reproduced in shared's unit tests; through the endpoint, vector B.
use testkit::fake_wechat::vector_b::{
    APP_ID as B_APP_ID, ENCRYPTED_DATA as B_DATA, IV as B_IV, SESSION_KEY as B_KEY,
};

fn encoded(value: &str) -> String {
    value.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

#[tokio::test]
async fn jscode2session_passes_wechat_answer_as_a_string() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let code = h.login_code("oOpenId0001", Some("oUnion0001"));
    let reply = h.code_to_session(&code).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let answer: Value = serde_json::from_str(reply.data().as_str().unwrap()).unwrap();
    assert_eq!(answer["openid"], "oOpenId0001");
    assert_eq!(answer["unionid"], "oUnion0001");
    assert!(answer["session_key"].is_string());
    let query = h.fake().last_query("/sns/jscode2session").unwrap();
    assert_eq!(query["appid"], h.mini().app_id);
    assert_eq!(query["secret"], h.mini().secret.expose());
    assert_eq!(query["grant_type"], "authorization_code");

    // Single use, then WeChat's 40163; an unknown code is 40029.
    let again = h.code_to_session(&code).await;
    again.assert_error(400, "errcode 40163");
    let expired = h.login_code("oOpenId0002", None);
    h.fake().expire_login_code(&expired);
    h.code_to_session(&expired)
        .await
        .assert_error(400, "errcode 40029");
    h.send_json("GET", &h.wechat("JSCode2Session"), None, &[])
        .await
        .assert_error(400, "`js_code` is required");
    assert_eq!(
        h.fake().calls("/sns/jscode2session"),
        3,
        "a missing code never reaches WeChat"
    );
}

#[tokio::test]
async fn decrypt_checks_the_watermark_and_refuses_bad_input_with_400() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let target = |data: &str, iv: &str, key: &str| {
        h.wechat(&format!(
            "Decrypt?encryptedData={}&iv={}&sessionKey={}",
            encoded(data),
            encoded(iv),
            encoded(key)
        ))
    };
    // Vector B was encrypted for wxfakeappid00001, not this app's mini-program.
    h.send_json("GET", &target(B_DATA, B_IV, B_KEY), None, &[])
        .await
        .assert_error(400, "another mini-program");
    let changes = oauthapp_shared::store::AppChanges {
        wechat_mini_program: Some(oauthapp_shared::domain::WechatAccount {
            app_id: B_APP_ID.into(),
            ..h.mini().clone()
        }),
        ..Default::default()
    };
    h.store.update_app(h.app.id, changes).await.unwrap();
    let reply = h.send_json("GET", &target(B_DATA, B_IV, B_KEY), None, &[]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.data(),
        r#"{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86","watermark":{"timestamp":1700000000,"appid":"wxfakeappid00001"}}"#
    );
    // An unescaped + arrives as a space and still decrypts.
    let raw = h.wechat(&format!(
        "Decrypt?encryptedData={B_DATA}&iv={B_IV}&sessionKey={B_KEY}"
    ));
    assert_eq!(h.send_json("GET", &raw, None, &[]).await.status, 200);

    let wrong_key = "AAAAAAAAAAAAAAAAAAAAAA==";
    for (target, text) in [
        (target(B_DATA, B_IV, wrong_key), "Cannot decrypt"),
        (target(&format!("aaaa{B_DATA}"), B_IV, B_KEY), "Cannot decrypt"),
        (target("%%%", B_IV, B_KEY), "`encryptedData` is not valid base64"),
        (target(B_DATA, "AAAA", B_KEY), "`iv` must decode to 16 bytes"),
        (
            h.wechat("Decrypt?iv=x&sessionKey=y"),
            "`encryptedData` is required",
        ),
    ] {
        h.send_json("GET", &target, None, &[])
            .await
            .assert_error(400, text);
    }
}

#[tokio::test]
async fn calls_need_a_user_of_the_app_or_the_backend_signature() {
    let h = Harness::letting_users_call(UnionIdProof::WechatCode, 10).await;
    let body = json!({"path": "pages/index/index", "query": "a=1"});
    let target = h.wechat("UrlLinkGenerate");
    h.send_json("POST", &target, Some(&body), &[])
        .await
        .assert_error(401, "Bearer");
    let mut forged = h.signed("POST", &target, Some(&body));
    forged[2].1 = "00".repeat(32);
    h.send_json("POST", &target, Some(&body), &forged)
        .await
        .assert_error(401, "does not match");
    // A signature covers the query string: another openid is another request.
    h.fake()
        .add_follower(&h.official().app_id, "oFollower01", Some("oUnion01"));
    let signed = h.signed("GET", &h.wechat("UserInfo?openid=oFollower01"), None);
    h.send_json("GET", &h.wechat("UserInfo?openid=oFollower02"), None, &signed)
        .await
        .assert_error(401, "does not match");
    assert_eq!(
        h.fake().calls("/wxa/generate_urllink") + h.fake().calls("/cgi-bin/user/info"),
        0
    );

    let reply = h.backend("POST", &target, Some(&body)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.data().as_str().unwrap().starts_with("https://wxaurl.cn/"));
    assert_eq!(
        h.fake().last_body("/wxa/generate_urllink").unwrap(),
        body,
        "passed on as given"
    );

    let token = h.wechat_user("oUser0001", "oUnionUser0001").await;
    let reply = h.user(&token, "POST", &target, Some(&body)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(h.mini_token_fetches(), 1, "one token serves every call");
}

#[tokio::test]
async fn user_info_answers_the_unionid() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    h.fake()
        .add_follower(&h.official().app_id, "oFollower01", Some("oUnion01"));
    h.fake().add_follower(&h.official().app_id, "oFollower02", None);
    let reply = h
        .backend("GET", &h.wechat("UserInfo?openid=oFollower01"), None)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.data(), "oUnion01");
    let query = h.fake().last_query("/cgi-bin/user/info").unwrap();
    assert_eq!(query["openid"], "oFollower01");
    assert_eq!(
        h.fake().token_fetches(&h.official().app_id),
        1,
        "the official account's token"
    );
    assert_eq!(h.mini_token_fetches(), 0);
    h.backend("GET", &h.wechat("UserInfo?openid=oFollower02"), None)
        .await
        .assert_error(404, "no unionid");
    h.backend("GET", &h.wechat("UserInfo?openid=oNobody"), None)
        .await
        .assert_error(400, "errcode 40003");
    h.backend("GET", &h.wechat("UserInfo?openid=bad%20id"), None)
        .await
        .assert_error(
            400,
            "`openid` must be 1 to 64 characters of letters, digits, _ and -",
        );
}

#[tokio::test]
async fn js_config_signs_the_page_with_the_shared_ticket() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
    h.fake().set_jsapi_ticket(&h.official().app_id, ticket);
    let url = "http://mp.weixin.qq.com?params=value";
    let target = h.wechat("JSConfig?url=http%3A%2F%2Fmp.weixin.qq.com%3Fparams%3Dvalue%23section");
    let reply = h.backend("GET", &target, None).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let config = reply.data();
    assert_eq!(config["appKey"], h.official().app_id.as_str());
    assert_eq!(config["jsApiList"], json!(JS_API_LIST));
    let nonce = config["noncestr"].as_str().unwrap();
    assert_eq!(nonce.len(), 16);
    // A string, as the v1 client's model reads it.
    let timestamp: i64 = config["timestamp"].as_str().expect("a string").parse().unwrap();
    assert!((timestamp - oauthapp_shared::domain::clock::now()).abs() < 5);
    // The fragment is not signed: docs/wechat.md's vector C, over our nonce and time.
    assert_eq!(
        config["signature"],
        js_sdk_signature(ticket, nonce, timestamp, url)
    );

    let again = h.backend("GET", &target, None).await;
    assert_ne!(again.data()["noncestr"], config["noncestr"]);
    assert_eq!(
        h.fake().ticket_fetches(&h.official().app_id),
        1,
        "the ticket is cached"
    );
    assert_eq!(h.fake().token_fetches(&h.official().app_id), 1);
    h.backend("GET", &h.wechat("JSConfig?url=ftp%3A%2F%2Fx"), None)
        .await
        .assert_error(400, "`url` must be the page's http(s) URL");
    h.backend("GET", &h.wechat("JSConfig"), None)
        .await
        .assert_error(400, "`url` is required");
}

/// The user may send `theirs` but not `other`; the backend may send
/// `other`. WeChat's `upstream` receives the body as sent.
async fn only_to_their_own(
    h: &Harness,
    token: &str,
    target: &str,
    upstream: &str,
    theirs: &Value,
    other: &Value,
) {
    let reply = h.user(token, "POST", target, Some(theirs)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(&h.fake().last_body(upstream).unwrap(), theirs);
    h.user(token, "POST", target, Some(other))
        .await
        .assert_error(403, "your own");
    let reply = h.backend("POST", target, Some(other)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(&h.fake().last_body(upstream).unwrap(), other);
}

#[tokio::test]
async fn subscribe_messages_go_only_to_the_callers_own_openid() {
    let h = Harness::letting_users_call(UnionIdProof::WechatCode, 10).await;
    let token = h.wechat_user("oUser0001", "oUnionUser0001").await;
    let message = |to: &str| {
        json!({"touser": to, "template_id": "TPL1", "page": "index?foo=bar",
               "data": {"thing1": {"value": "hi"}}, "miniprogram_state": "formal", "lang": "zh_CN"})
    };
    let send = h.wechat("SubscribeSend");
    let reply = h.user(&token, "POST", &send, Some(&message("oUser0001"))).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let answer: Value = serde_json::from_str(reply.data().as_str().unwrap()).unwrap();
    assert_eq!(answer["errcode"], 0);
    assert!(
        answer["msgid"].as_u64().unwrap() > 1 << 53,
        "msgid survives as a 64-bit integer"
    );
    only_to_their_own(
        &h,
        &token,
        &send,
        "/cgi-bin/message/subscribe/send",
        &message("oUser0001"),
        &message("oSomeoneElse"),
    )
    .await;
    let bad_data = json!({"touser": "oUser0001", "template_id": "TPL1", "data": {"thing1": {}}});
    h.backend("POST", &send, Some(&bad_data))
        .await
        .assert_error(400, "errcode 47003");
    h.fake().fail_next("/cgi-bin/message/subscribe/send", 43101);
    h.backend("POST", &send, Some(&message("oUser0001")))
        .await
        .assert_error(400, "errcode 43101");
    h.backend("POST", &send, Some(&json!({"template_id": "TPL1"})))
        .await
        .assert_error(400, "`touser` is required");

    // Official account: the follower's unionid must be the user's.
    h.fake()
        .add_follower(&h.official().app_id, "oOaUser0001", Some("oUnionUser0001"));
    h.fake()
        .add_follower(&h.official().app_id, "oOaOther", Some("oUnionOther"));
    let one_time = |to: &str| {
        json!({"touser": to, "template_id": "TPL2", "scene": "1000", "title": "Notice",
               "data": {"content": {"value": "hello", "color": "#FF0000"}}})
    };
    let subscribe = h.wechat("SubscribeMSG");
    only_to_their_own(
        &h,
        &token,
        &subscribe,
        "/cgi-bin/message/template/subscribe",
        &one_time("oOaUser0001"),
        &one_time("oOaOther"),
    )
    .await;
}

#[tokio::test]
async fn links_scheme_and_content_check() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let scheme = json!({"jump_wxa": {"path": "pages/index/index", "query": "", "env_version": "release"},
                        "expire_type": 1, "expire_interval": 30});
    let reply = h
        .backend("POST", &h.wechat("GenerateScheme"), Some(&scheme))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(
        reply
            .data()
            .as_str()
            .unwrap()
            .starts_with("weixin://dl/business/?t=")
    );

    let check = json!({"content": "hello", "scene": 2, "openid": "oUser0001"});
    let reply = h.backend("POST", &h.wechat("MsgSecCheck"), Some(&check)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.data(), &json!({"suggest": "pass", "label": 100}));
    assert_eq!(
        h.fake().last_body("/wxa/msg_sec_check").unwrap()["version"],
        2,
        "version 2 is sent"
    );
    let risky = json!({"content": "特3456书yuuo莞6543李zxcz蒜7782法fgnv级", "scene": 2, "openid": "o1", "version": 2});
    let reply = h.backend("POST", &h.wechat("MsgSecCheck"), Some(&risky)).await;
    assert_eq!(reply.data()["suggest"], "risky");
    h.backend(
        "POST",
        &h.wechat("MsgSecCheck"),
        Some(&json!({"content": "x", "version": 1})),
    )
    .await
    .assert_error(400, "`version` must be 2");

    // Quota errors are 429, WeChat's own failures 502.
    h.fake().fail_next("/wxa/generate_urllink", 45009);
    h.backend("POST", &h.wechat("UrlLinkGenerate"), Some(&json!({"path": "a"})))
        .await
        .assert_error(429, "errcode 45009");
    h.fake().fail_next("/wxa/generate_urllink", 45011);
    h.backend("POST", &h.wechat("UrlLinkGenerate"), Some(&json!({"path": "a"})))
        .await
        .assert_error(429, "errcode 45011");
    h.fake().fail_next("/wxa/generatescheme", -1);
    h.backend("POST", &h.wechat("GenerateScheme"), Some(&scheme))
        .await
        .assert_error(502, "errcode -1");
    h.backend("POST", &h.wechat("GenerateScheme"), Some(&json!([1])))
        .await
        .assert_error(400, "JSON object");
}

#[tokio::test]
async fn mini_program_codes_are_images_not_envelopes() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    for (route, body) in [
        (
            "WXACodeGet",
            json!({"path": "pages/index/index?x=1", "width": 430}),
        ),
        (
            "WXACodeGetUnlimited",
            json!({"scene": "k=42", "page": "pages/index/index", "check_path": false}),
        ),
    ] {
        let target = h.wechat(route);
        let response = h
            .respond(
                "POST",
                &target,
                Some(&body.to_string()),
                &h.signed("POST", &target, Some(&body)),
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        match response.body() {
            lambda_http::Body::Binary(bytes) => assert_eq!(bytes.as_slice(), FAKE_JPEG),
            other => panic!("expected the image, got {other:?}"),
        }
    }
    let long_scene = json!({"scene": "s".repeat(33)});
    h.backend("POST", &h.wechat("WXACodeGetUnlimited"), Some(&long_scene))
        .await
        .assert_error(400, "errcode 40169");
}

#[tokio::test]
async fn an_app_without_wechat_accounts_is_told_so() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let fresh = testkit::fixture(UnionIdProof::Signature, &[("WECHAT_API_BASE", &h.fake().uri())])
        .await
        .0;
    let target = format!("/Wechat/{}/JSCode2Session?js_code=abc", fresh.app.key);
    h.send_json("GET", &target, None, &[])
        .await
        .assert_error(400, "no WeChat mini-program set up");
    h.send_json("GET", "/Wechat/no-such-app/JSCode2Session?js_code=abc", None, &[])
        .await
        .assert_error(404, "no app with key");
}
