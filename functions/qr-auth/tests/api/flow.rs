//! The whole QR sign-in flow in both generations and mixed, with the seed's
//! bodies, and what each step refuses.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use oauthapp_shared::domain::{QrMode, UnionIdProof};
use oauthapp_shared::store::{BindingChange, NewBinding};
use serde_json::{Value, json};
use testkit::decode_claims;

use crate::common::Harness;

fn register_body(key: Value, union_id: &str) -> Value {
    json!({"signInKey": key, "unionID": union_id, "avatar": "avatar.jpg", "platform": "wxminip",
           "nickName": "wwww", "userName": "", "phone": "13800000000", "phoneIsValid": true,
           "email": "euadipi@wxminip.com", "emailIsValid": false})
}

#[tokio::test]
async fn legacy_flow_with_the_seed_bodies() {
    let h = Harness::new(UnionIdProof::Signature)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let key = h.new_key().await;
    assert!(
        (1u64 << 52..1u64 << 53).contains(&key),
        "a 16-digit key below 2^53: {key}"
    );

    h.poll(key)
        .await
        .assert_error(409, "not been scanned yet (请扫码)");
    let card = h.scan(key).await;
    assert_eq!(card.status, 200, "{card:?}");
    assert_eq!(
        card.data(),
        &json!({"appID": h.app.id, "name": "开发文档", "logo": "https://blob.example/API.png",
                "website": "https://web.example/docs", "description": null, "tags": null,
                "scopes": "laboris", "remark": "ad amet laboris", "scheme": "app"})
    );
    h.poll(key)
        .await
        .assert_error(409, "waiting for the user to confirm (登陆中)");

    let mini = h
        .post_signed(
            &h.legacy("QRCodeSignUp"),
            &register_body(json!(key), "euadipi"),
            None,
        )
        .await;
    let mini_claims = decode_claims(&mini.token());
    assert_eq!(mini_claims["grant_type"], "unionid");
    assert_eq!(mini_claims["platform"], "wxminip");
    assert_eq!(mini_claims["unionid"], "euadipi");

    let web = h.poll(key).await;
    assert_eq!(web.data()["token_type"], "Bearer");
    assert_eq!(web.data()["expires_in"], 86400);
    let web_claims = decode_claims(&web.token());
    assert_eq!(
        web_claims["nameid"], mini_claims["nameid"],
        "the page is signed in as the confirming user"
    );
    assert_eq!(web_claims["grant_type"], "unionid");
    assert_ne!(web_claims["jti"], mini_claims["jti"]);
    h.poll(key).await.assert_error(400, "used already");
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test]
async fn v1_flow_with_confirm_login_redeemed_by_the_legacy_poll() {
    let h = Harness::new(UnionIdProof::Signature)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let initiate = h
        .post(
            &h.v1("Initiate"),
            &json!({"scopes": "openid,profile", "remark": "r", "scheme": "app"}),
            &[],
        )
        .await;
    assert_eq!(initiate.body["error"], "", "v1 envelope: {initiate:?}");
    let key = initiate.data().as_u64().unwrap();
    let card = h.post(&h.v1("Scan"), &json!({"signInKey": key}), &[]).await;
    assert_eq!(card.data()["scopes"], "openid,profile");
    assert_eq!(card.body["error"], "");

    let (user_id, token) = h.user_with_token("returning").await;
    let confirm = h
        .post(&h.v1("Confirm-Login"), &json!({"signInKey": key}), &[])
        .await;
    confirm.assert_error(401, "Bearer");
    assert!(confirm.body.get("error").is_some(), "v1 errors use `error`");
    let mini = h.confirm_login(key, &token).await;
    assert_eq!(h.user_id(&mini.token()), user_id);
    let again = h.confirm_login(key, &token).await;
    again.assert_error(409, "confirmed already");

    let web = h.poll(key).await;
    assert_eq!(h.user_id(&web.token()), user_id);
}

#[tokio::test]
async fn confirm_register_signs_in_a_returning_union_id() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let (user_id, _) = h.user_with_token("known-union").await;
    let key = h.new_key().await;
    h.scan(key).await;
    let body = json!({"signInKey": key, "unionID": "known-union", "nickName": "n", "avatar": "", "data": "",
                      "email": "", "emailCode": "1234", "phone": "", "phoneCode": ""});
    let mini = h.post(&h.v1("Confirm-Register"), &body, &[]).await;
    assert_eq!(
        h.user_id(&mini.token()),
        user_id,
        "the existing user, not a new one"
    );
    assert_eq!(h.user_count().await, 1);
    assert_eq!(h.user_id(&h.poll(key).await.token()), user_id);
}

#[tokio::test]
async fn confirm_register_does_not_bypass_two_factor_or_a_disabled_binding() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let body = |key: u64, union_id: &str| {
        json!({"signInKey": key, "unionID": union_id, "nickName": "n", "avatar": "", "data": "",
               "email": "", "emailCode": "", "phone": "", "phoneCode": ""})
    };
    // Two-factor sign-in on: this path has no code, so it refuses.
    let (with_two_factor, _) = h.user_with_token("guarded-union").await;
    let store = &h.store;
    store
        .start_two_factor_enrolment(h.app.id, with_two_factor, "v1:sealed")
        .await
        .unwrap();
    assert!(
        store
            .turn_on_two_factor(
                h.app.id,
                with_two_factor,
                "v1:sealed",
                1,
                oauthapp_shared::store::EndingOthers {
                    keep: None,
                    now: oauthapp_shared::domain::clock::now()
                }
            )
            .await
            .unwrap()
    );
    let key = h.new_key().await;
    h.scan(key).await;
    h.post(&h.v1("Confirm-Register"), &body(key, "guarded-union"), &[])
        .await
        .assert_error(401, "Confirm-Login");
    h.poll(key).await.assert_error(409, "登陆中");

    // A disabled binding signs nobody in.
    let (disabled, _) = h.user_with_token("disabled-union").await;
    let other = NewBinding {
        platform: "github".into(),
        union_id: "keeps-a-way".into(),
        platform_name: "GitHub".into(),
        avatar: String::new(),
        data: String::new(),
    };
    let user = store.user(h.app.id, disabled).await.unwrap().unwrap();
    store.bind(h.app.id, &user, other, 0).await.unwrap();
    let off = BindingChange::Update {
        avatar: None,
        data: None,
        enable: Some(false),
    };
    store.change_binding(h.app.id, disabled, 1, off, 0).await.unwrap();
    h.post(&h.v1("Confirm-Register"), &body(key, "disabled-union"), &[])
        .await
        .assert_error(403, "disabled");
    assert_eq!(h.user_count().await, 2, "nobody was created");
}

#[tokio::test]
async fn refused_steps_change_nothing() {
    let h = Harness::new(UnionIdProof::Signature)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let key = h.new_key().await;
    // Confirming before the scan.
    let (_, token) = h.user_with_token("early").await;
    h.confirm_login(key, &token)
        .await
        .assert_error(409, "not been scanned yet");
    h.scan(key).await;
    // An unsigned or invalid sign-up on a signature app.
    let path = h.legacy("QRCodeSignUp");
    h.post(&path, &register_body(json!(key), "someone"), &[])
        .await
        .assert_error(401, "app secret");
    for (field, value, message) in [
        ("unionID", json!("bad id"), "`unionID`"),
        ("phone", json!("12345"), "`phone` must be 11 digits"),
        ("userName", json!("x"), "`userName`"),
        ("email", json!("nope"), "`email`"),
        (
            "phoneCode",
            json!("12"),
            "`phoneCode` must be the 6-digit code that was sent",
        ),
        ("nickName", json!(5), "Field `nickName`"),
    ] {
        let mut body = register_body(json!(key), "someone");
        body[field] = value;
        h.post_signed(&path, &body, None).await.assert_error(400, message);
    }
    // The seed's sample sends signInKey as an empty string.
    h.post_signed(&path, &register_body(json!(""), "someone"), None)
        .await
        .assert_error(400, "signInKey");
    assert_eq!(
        h.user_count().await,
        1,
        "only the user made for the early confirm"
    );
    h.poll(key).await.assert_error(409, "登陆中");
    // And the key still works.
    h.post_signed(&path, &register_body(json!(key.to_string()), "someone"), None)
        .await
        .token();
    h.poll(key).await.token();
}

#[tokio::test]
async fn a_key_sent_as_a_whole_json_float_is_the_same_key() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let key = h.new_key().await;
    // Keys are below 2^53, so a float holds them exactly: `….0` on the wire.
    let scanned = h
        .post(&h.legacy("QRCodeScan"), &json!({"signInKey": key as f64}), &[])
        .await;
    assert_eq!(scanned.status, 200, "{scanned:?}");
    h.poll(key)
        .await
        .assert_error(409, "waiting for the user to confirm");
}

#[tokio::test]
async fn unknown_foreign_and_malformed_keys() {
    let a = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let b = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let key = a.new_key().await;
    b.scan(key).await.assert_error(404, "no such signInKey");
    b.poll(key).await.assert_error(404, "no such signInKey");
    a.scan(key + 1).await.assert_error(404, "no such signInKey");
    for bad in [
        json!(0),
        json!(1u64 << 53),
        json!("abc"),
        json!(-5),
        json!(1.5),
        json!(-1.0),
        json!(1e300),
        json!(null),
        json!(true),
        json!([key]),
    ] {
        a.post(&a.legacy("QRCodeScan"), &json!({"signInKey": bad}), &[])
            .await
            .assert_error(400, "expected the signInKey integer the web page was given");
    }
    // The key is untouched by the other app's attempts.
    a.poll(key).await.assert_error(409, "not been scanned yet");
    a.post("/api/AppUsers/999999999/QRCodePreSignIn", &json!({}), &[])
        .await
        .assert_error(404, "no app with id");
    a.post("/Wechat/no-such-key/QR-Auth/Initiate", &json!({}), &[])
        .await
        .assert_error(404, "no app with key");
    let invalid = [
        json!({"scopes": "has space"}),
        json!({"scopes": "a".repeat(101)}),
        json!({"remark": "r".repeat(201)}),
        json!({"scheme": "a-b"}),
    ];
    for body in invalid {
        a.post(&a.legacy("QRCodePreSignIn"), &body, &[])
            .await
            .assert_error(400, "must be");
    }
}

#[tokio::test]
async fn keys_expire() {
    let h = Harness::with_env(UnionIdProof::None, &[("QR_KEY_LIFETIME_SECONDS", "1")])
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let key = h.new_key().await;
    let scanned = h.new_key().await;
    h.scan(scanned).await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    h.scan(key).await.assert_error(400, "expired");
    h.poll(scanned).await.assert_error(400, "expired");
    h.post(
        &h.v1("Confirm-Register"),
        &json!({"signInKey": scanned, "unionID": "late"}),
        &[],
    )
    .await
    .assert_error(400, "expired");
    assert_eq!(h.user_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_polls_redeem_once() {
    let h = Arc::new(
        Harness::new(UnionIdProof::None)
            .await
            .in_qr_mode(QrMode::Legacy)
            .await,
    );
    let key = h.new_key().await;
    h.confirm_for_new_user(key, "poller").await;
    let polls: Vec<_> = (0..20)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move { h.poll(key).await })
        })
        .collect();
    let mut tokens = 0;
    for poll in polls {
        let reply = poll.await.unwrap();
        match reply.status {
            200 => tokens += 1,
            _ => reply.assert_error(400, "used already"),
        }
    }
    assert_eq!(tokens, 1);
}

#[tokio::test]
async fn a_thousand_keys_are_distinct_and_unpredictable() {
    // A thousand keys from one address in a minute: past any per-IP limit.
    let h = Harness::with_env(UnionIdProof::None, &[("RATE_LIMIT_PER_IP_PER_MINUTE", "0")])
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let mut keys = Vec::new();
    for _ in 0..1000 {
        let reply = h.post(&h.v1("Initiate"), &json!({}), &[]).await;
        keys.push(reply.data().as_u64().unwrap());
    }
    assert_eq!(keys.iter().collect::<HashSet<_>>().len(), 1000, "all distinct");
    assert!(keys.iter().all(|k| (1u64 << 52..1u64 << 53).contains(k)));
    // Sequential or incrementing keys would leave small gaps between neighbours.
    let smallest_step = keys.windows(2).map(|w| w[0].abs_diff(w[1])).min().unwrap();
    assert!(
        smallest_step > 1 << 20,
        "keys follow each other too closely: {smallest_step}"
    );
}

#[tokio::test]
async fn a_poll_costs_its_limit_and_one_read_and_redemption_a_read_a_write_and_a_session() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let key = h.new_key().await;
    h.requests.take();
    h.poll(key).await.assert_error(409, "请扫码");
    assert_eq!(
        h.requests.take(),
        3,
        "a waiting poll: the app and the per-IP counter, then one read"
    );
    h.confirm_for_new_user(key, "counted").await;
    h.requests.take();
    h.poll(key).await.token();
    assert_eq!(
        h.requests.take(),
        6,
        "the redeeming poll: the app and the per-IP counter, its read, the user to mint the token, one \
         conditional write, and the transaction that starts the page's session"
    );
}

#[tokio::test]
async fn confirm_register_verifies_an_address_with_its_signup_code() {
    use oauthapp_shared::domain::verification::{Purpose, Recipient};

    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let email = format!("qr{}@example.com", oauthapp_shared::domain::clock::now_millis());
    let body = |key: u64, union_id: &str, code: &str| json!({"signInKey": key, "unionID": union_id, "nickName": "n", "email": email, "emailCode": code});
    let key = h.new_key().await;
    h.scan(key).await;
    let wrong = h
        .post(&h.v1("Confirm-Register"), &body(key, "qr-mailer", "000000"), &[])
        .await;
    wrong.assert_error(400, "not a valid code");
    assert_eq!(h.user_count().await, 0);
    let code = h
        .code_sent_to(Purpose::SignUp, &Recipient::email(&email).unwrap())
        .await;
    let mini = h
        .post(&h.v1("Confirm-Register"), &body(key, "qr-mailer", &code), &[])
        .await;
    let user = h
        .store
        .user(h.app.id, h.user_id(&mini.token()))
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_is_valid, "{user:?}");
}
