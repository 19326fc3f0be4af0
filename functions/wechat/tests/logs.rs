//! Nothing secret reaches the logs: a run through every kind of WeChat
//! call, failures included, with every log line of every crate captured.
//!
//! Its own test binary: tracing decides once per process whether a log
//! statement is enabled, so a statement that the other tests' threads (with
//! no subscriber) reach first could stay disabled for this test's one.

#![allow(dead_code)] // The harness's other helpers serve the `api` tests.

#[path = "api/common.rs"]
mod common;

use common::Harness;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::logging::{self, LogSettings};
use serde_json::json;
use testkit::fake_wechat::LoginSession;
use testkit::logs::CapturedLogs;

// One thread: the subscriber set for this test sees every task it runs.
#[tokio::test(flavor = "current_thread")]
async fn no_secret_or_session_key_is_logged() {
    let captured = CapturedLogs::default();
    let debug = LogSettings::from_lookup(|name| (name == "RUST_LOG").then(|| "debug".to_owned()));
    let subscriber = logging::subscriber(debug, captured.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    let session_key = "c2Vzc2lvbi1rZXktc2VjcmV0IQ==";
    let login = |code: &str| {
        h.fake().add_login_code(
            &h.mini().app_id,
            code,
            LoginSession {
                openid: "oLogOpen01".into(),
                session_key: session_key.into(),
                unionid: Some("oLogUnion01".into()),
            },
        )
    };
    login("code-one");
    login("code-two");
    let reply = h
        .send_json("GET", &h.wechat("JSCode2Session?js_code=code-one"), None, &[])
        .await;
    assert!(reply.data().as_str().unwrap().contains(session_key), "{reply:?}");
    h.send_json(
        "GET",
        &h.wechat(&format!(
            "Decrypt?encryptedData=AAAA&iv=AAAA&sessionKey={session_key}"
        )),
        None,
        &[],
    )
    .await
    .assert_error(400, "Cannot decrypt");
    // code-two exchanged once; its user as signing up with it leaves them.
    assert_eq!(h.code_to_session("code-two").await.status, 200);
    let token = h.wechat_user("oLogOpen01", "oLogUnion01").await;
    // A spent code, a rejected token, a failed fetch, an upstream error.
    h.code_to_session("code-two").await.assert_error(400, "40163");
    h.fake().fail_next("/cgi-bin/message/subscribe/send", 40001);
    let message = json!({"touser": "oLogOpen01", "template_id": "T", "data": {"a": {"value": 1}}});
    assert_eq!(
        h.user(&token, "POST", &h.wechat("SubscribeSend"), Some(&message))
            .await
            .status,
        200
    );
    h.fake().fail_next("/cgi-bin/stable_token", -1);
    h.fake().expire_tokens(&h.official().app_id);
    h.backend("GET", &h.wechat("JSConfig?url=https%3A%2F%2Fa.example%2F"), None)
        .await
        .assert_error(502, "errcode -1");
    assert_eq!(
        h.backend("GET", &h.wechat("JSConfig?url=https%3A%2F%2Fa.example%2F"), None)
            .await
            .status,
        200
    );

    // WeChat's errmsg, which the client never sees, is the operator's.
    h.fake().fail_next("/cgi-bin/message/subscribe/send", 40164);
    let refused = h
        .user(&token, "POST", &h.wechat("SubscribeSend"), Some(&message))
        .await;
    assert!(!refused.error().contains("whitelist"), "{refused:?}");

    let logs = captured.text();
    assert!(
        logs.contains("WeChat refused a call"),
        "the capture works:\n{logs}"
    );
    assert!(logs.contains("not in whitelist"), "errmsg is logged:\n{logs}");
    let tokens = [
        h.fake().current_token(&h.mini().app_id).unwrap(),
        h.fake().current_token(&h.official().app_id).unwrap(),
    ];
    let secrets = [
        ("the mini-program secret", h.mini().secret.expose()),
        ("the official account secret", h.official().secret.expose()),
        ("the app secret", h.app.secret.expose()),
        ("a session key", session_key),
        ("a login code", "code-two"),
        ("an access token", tokens[0].as_str()),
        ("an access token", tokens[1].as_str()),
        ("a user token", token.as_str()),
    ];
    for (what, secret) in secrets {
        assert!(!logs.contains(secret), "{what} was logged:\n{logs}");
    }
}
