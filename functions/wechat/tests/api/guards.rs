//! Attacks on the calls to WeChat, each against the fake WeChat: a
//! redirect that takes a call elsewhere, WeChat's errmsg handed to the
//! client, another tenant's appid with a wrong secret.

use oauthapp_shared::domain::{UnionIdProof, WechatAccount, clock};
use oauthapp_shared::store::AppChanges;
use serde_json::json;
use testkit::fake_wechat::FakeWechat;

use crate::common::Harness;

const LINK: &str = "/wxa/generate_urllink";

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let elsewhere = FakeWechat::start().await;
    let body = json!({"path": "pages/index/index"});
    for status in [302, 307] {
        h.fake()
            .redirect_next(LINK, status, &format!("{}{LINK}", elsewhere.uri()));
        h.backend("POST", &h.wechat("UrlLinkGenerate"), Some(&body))
            .await
            .assert_error(502, &format!("HTTP status {status}"));
    }
    assert_eq!(elsewhere.calls(LINK), 0, "the redirect's target was never asked");
}

#[tokio::test]
async fn wechats_errmsg_stays_in_the_log() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let body = json!({"path": "pages/index/index"});
    // 40164's errmsg names the calling IP; 47003's names template fields.
    for errcode in [40164, -1, 47003] {
        h.fake().fail_next(LINK, errcode);
        let reply = h.backend("POST", &h.wechat("UrlLinkGenerate"), Some(&body)).await;
        assert!(reply.error().contains(&format!("errcode {errcode}")), "{reply:?}");
        for leaked in [
            "rid:",
            "whitelist",
            "127.0.0.1",
            "system error",
            "argument invalid",
        ] {
            assert!(
                !reply.error().contains(leaked),
                "{leaked:?} reached the client: {reply:?}"
            );
        }
    }
}

#[tokio::test]
async fn another_tenants_appid_with_a_wrong_secret_gets_no_token() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let body = json!({"path": "pages/index/index"});
    let target = h.wechat("UrlLinkGenerate");
    // The victim's calls leave its token in the shared cache.
    assert_eq!(h.backend("POST", &target, Some(&body)).await.status, 200);

    let intruder = testkit::fixture(UnionIdProof::Signature, &[]).await.0;
    let wrong = WechatAccount {
        app_id: h.mini().app_id.clone(),
        secret: oauthapp_shared::domain::Secret::new("0".repeat(32)),
    };
    let changes = AppChanges {
        wechat_mini_program: Some(wrong),
        ..AppChanges::default()
    };
    intruder.store.update_app(intruder.app.id, changes).await.unwrap();
    let target = format!("/Wechat/{}/UrlLinkGenerate", intruder.app.key);
    let text = body.to_string();
    let headers =
        testkit::signature_headers(&intruder.app.secret, "POST", &target, &text, None, clock::now());
    let calls_before = h.fake().calls(LINK);
    h.send("POST", &target, Some(&text), &headers)
        .await
        .assert_error(502, "errcode 40001");
    assert_eq!(
        h.fake().calls(LINK),
        calls_before,
        "no call with the victim's token"
    );
}
