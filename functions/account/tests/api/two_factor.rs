//! Two-factor enrolment (`/User/{appKey}/TwoFactorAuth`) and the second
//! factor on the account's sign-in endpoints, against DynamoDB Local. Codes
//! are computed here from the key the enrolment hands out, as an
//! authenticator app would.

use oauthapp_shared::domain::{UnionIdProof, clock};
use oauthapp_shared::store::keys;
use serde_json::json;
use testkit::{Reply, code_at};

use crate::common::Harness;

/// The sealed secrets as stored on the user item.
async fn stored_secrets(h: &Harness, token: &str) -> Vec<String> {
    let item = h
        .store
        .client()
        .get_item()
        .table_name(h.store.table())
        .set_key(Some(keys::user(h.app.id, h.user_id(token)).item()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    ["totpPending", "totpSecret"]
        .iter()
        .filter_map(|name| item.get(*name).and_then(|value| value.as_s().ok()).cloned())
        .collect()
}

#[tokio::test]
async fn enrolment_round_trip_with_a_code_from_the_returned_key() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("enrolling", "secret-1").await;
    let path = h.two_factor_path();

    let enrolment = h.with_token("GET", &path, None, &token).await;
    assert_eq!(enrolment.status, 200, "{enrolment:?}");
    assert_eq!(enrolment.body["error"], "");
    let data = enrolment.data();
    let fields: Vec<&str> = data.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, ["account", "manualEntryKey", "qrCodeSetupImageUrl"]);
    assert_eq!(data["account"], "enrolling");
    let key = data["manualEntryKey"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 32);
    assert!(
        data["qrCodeSetupImageUrl"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );

    // Stored sealed: neither the key nor its bytes appear.
    let sealed = stored_secrets(&h, &token).await;
    assert_eq!(sealed.len(), 1);
    let secret = totp_rs::Secret::try_from_base32(&key).unwrap();
    let secret_hex: String = secret.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert!(sealed[0].starts_with("v1:") && !sealed[0].contains(&key) && !sealed[0].contains(&secret_hex));

    // Not on yet: sign-in needs no code.
    assert_eq!(
        h.send_json(
            "POST",
            &h.legacy("SignIn"),
            Some(&json!({"userName": "enrolling", "pwd": "secret-1"})),
            &[]
        )
        .await
        .status,
        200
    );

    let now = clock::now();
    let wrong = testkit::wrong_code(&key, now);
    h.with_token("POST", &path, Some(&json!({"code": wrong})), &token)
        .await
        .assert_error(400, "does not match");
    h.with_token("POST", &path, Some(&json!({"code": "12345"})), &token)
        .await
        .assert_error(400, "6-digit");
    h.with_token("POST", &path, Some(&json!({})), &token)
        .await
        .assert_error(400, "code");
    let on = h
        .with_token("POST", &path, Some(&json!({"code": code_at(&key, now)})), &token)
        .await;
    assert_eq!(on.body, json!({"code": 200, "data": true, "error": ""}));

    // The secret is never handed out again, and stays sealed.
    h.with_token("GET", &path, None, &token)
        .await
        .assert_error(409, "on already");
    h.with_token("POST", &path, Some(&json!({"code": code_at(&key, now)})), &token)
        .await
        .assert_error(409, "on already");
    let profile = h.with_token("GET", &h.legacy("Profile"), None, &token).await;
    assert!(!profile.body.to_string().contains("totp"), "{profile:?}");
    let sealed = stored_secrets(&h, &token).await;
    assert_eq!(sealed.len(), 1, "pending became the secret");
    assert!(!sealed[0].contains(&key));
}

#[tokio::test]
async fn confirming_without_an_enrolment_or_token_is_refused() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("unenrolled", "secret-1").await;
    let path = h.two_factor_path();
    h.with_token("POST", &path, Some(&json!({"code": "123456"})), &token)
        .await
        .assert_error(409, "GET TwoFactorAuth first");
    h.with_token("DELETE", &path, Some(&json!({"code": "123456"})), &token)
        .await
        .assert_error(409, "off already");
    h.send("GET", &path, None, &[]).await.assert_error(401, "");
    let elsewhere = Harness::new(UnionIdProof::None).await;
    let foreign = elsewhere.password_user("foreign", "secret-1").await;
    h.with_token("GET", &path, None, &foreign)
        .await
        .assert_error(401, "");
    assert!(stored_secrets(&h, &token).await.is_empty());
}

/// The account's sign-in endpoints, each for a user of its own (a code
/// signs in once, so each user has one fresh step to spend).
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Password,
    UnionId,
}

impl Endpoint {
    /// A new user who can sign in here; returns the token.
    async fn user(self, h: &Harness) -> String {
        match self {
            Endpoint::Password => h.password_user("second-factor", "secret-1").await,
            Endpoint::UnionId => h.union_id_user("wxminip", "o-second-factor").await.1,
        }
    }

    async fn sign_in(self, h: &Harness, code: Option<&str>) -> Reply {
        let mut body = match self {
            Endpoint::Password => json!({"userName": "second-factor", "pwd": "secret-1"}),
            Endpoint::UnionId => json!({"platform": "wxminip", "unionID": "o-second-factor"}),
        };
        if let Some(code) = code {
            body["twoFactorCode"] = json!(code);
        }
        let endpoint = match self {
            Endpoint::Password => "SignIn",
            Endpoint::UnionId => "UnionIDSignIn",
        };
        h.send_json("POST", &h.legacy(endpoint), Some(&body), &[]).await
    }
}

#[tokio::test]
async fn every_sign_in_asks_for_the_code_and_takes_each_code_once() {
    for endpoint in [Endpoint::Password, Endpoint::UnionId] {
        let h = Harness::new(UnionIdProof::None).await;
        let token = endpoint.user(&h).await;
        assert_eq!(
            endpoint.sign_in(&h, None).await.status,
            200,
            "{endpoint:?} before two-factor"
        );
        let key = h.turn_on_two_factor(&token).await;
        let now = clock::now();

        endpoint
            .sign_in(&h, None)
            .await
            .assert_error(401, "send `twoFactorCode`");
        let wrong = testkit::wrong_code(&key, now + 30);
        endpoint
            .sign_in(&h, Some(wrong))
            .await
            .assert_error(401, "wrong or expired");
        endpoint
            .sign_in(&h, Some(&code_at(&key, now - 90)))
            .await
            .assert_error(401, "wrong or expired");
        // The enrolment spent the current step's code.
        endpoint
            .sign_in(&h, Some(&code_at(&key, now)))
            .await
            .assert_error(401, "used already");
        let next = code_at(&key, now + 30);
        let signed_in = endpoint.sign_in(&h, Some(&next)).await;
        assert_eq!(signed_in.status, 200, "{endpoint:?}: {signed_in:?}");
        assert_eq!(h.user_id(&signed_in.token()), h.user_id(&token));
        endpoint
            .sign_in(&h, Some(&next))
            .await
            .assert_error(401, "used already");
    }
}

#[tokio::test]
async fn turning_it_off_needs_a_fresh_code() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("turning-off", "secret-1").await;
    let key = h.turn_on_two_factor(&token).await;
    let path = h.two_factor_path();
    let now = clock::now();
    let wrong = testkit::wrong_code(&key, now + 30);
    h.with_token("DELETE", &path, Some(&json!({"code": wrong})), &token)
        .await
        .assert_error(403, "wrong or expired");
    h.with_token(
        "DELETE",
        &path,
        Some(&json!({"code": code_at(&key, now)})),
        &token,
    )
    .await
    .assert_error(403, "used already");
    assert_eq!(stored_secrets(&h, &token).await.len(), 1, "still on");
    let off = h
        .with_token(
            "DELETE",
            &path,
            Some(&json!({"code": code_at(&key, now + 30)})),
            &token,
        )
        .await;
    assert_eq!(off.body, json!({"code": 200, "data": true, "error": ""}));
    assert!(stored_secrets(&h, &token).await.is_empty());
    let body = json!({"userName": "turning-off", "pwd": "secret-1"});
    assert_eq!(
        h.send_json("POST", &h.legacy("SignIn"), Some(&body), &[])
            .await
            .status,
        200
    );
    // Enrolling again hands out a new key.
    let again = h.with_token("GET", &path, None, &token).await;
    assert_eq!(again.status, 200);
    assert_ne!(again.data()["manualEntryKey"], key.as_str());
}

/// A token of the user `token` speaks for, from a sign-in 10 minutes ago
/// (past the default 5 of `RECENT_SIGN_IN_SECONDS`), still valid.
async fn old_token(h: &Harness, token: &str) -> String {
    h.token_like(token, |claims| claims.auth_time -= 600).await
}

/// A stolen token is not enough to change two-factor sign-in: every route
/// wants a recent sign-in, or on POST and DELETE the password.
#[tokio::test]
async fn changes_need_a_recent_sign_in_or_the_password() {
    let h = Harness::new(UnionIdProof::None).await;
    let fresh = h.password_user("stolen", "secret-1").await;
    let old = old_token(&h, &fresh).await;
    let path = h.two_factor_path();
    h.with_token("GET", &path, None, &old)
        .await
        .assert_error(401, "recent sign-in");
    let enrolment = h.with_token("GET", &path, None, &fresh).await;
    assert_eq!(enrolment.status, 200, "{enrolment:?}");
    let key = enrolment.data()["manualEntryKey"].as_str().unwrap().to_owned();
    let now = clock::now();
    // The code of the step at `at`, with `pwd` when given.
    let body = |at: i64, pwd: Option<&str>| {
        let mut body = json!({"code": code_at(&key, at)});
        if let Some(pwd) = pwd {
            body["pwd"] = json!(pwd);
        }
        body
    };
    let confirm = |pwd| body(now, pwd);
    h.with_token("POST", &path, Some(&confirm(None)), &old)
        .await
        .assert_error(401, "send your password in `pwd`");
    h.with_token("POST", &path, Some(&confirm(Some("wrong-pwd"))), &old)
        .await
        .assert_error(401, "password is incorrect");
    assert_eq!(stored_secrets(&h, &fresh).await.len(), 1, "still pending");
    let on = h
        .with_token("POST", &path, Some(&confirm(Some("secret-1"))), &old)
        .await;
    assert_eq!(on.body, json!({"code": 200, "data": true, "error": ""}));

    let off = |pwd| body(now + 30, pwd);
    h.with_token("DELETE", &path, Some(&off(None)), &old)
        .await
        .assert_error(401, "recent sign-in");
    h.with_token("DELETE", &path, Some(&off(Some("wrong-pwd"))), &old)
        .await
        .assert_error(401, "password is incorrect");
    let turned_off = h
        .with_token("DELETE", &path, Some(&off(Some("secret-1"))), &old)
        .await;
    assert_eq!(turned_off.body, json!({"code": 200, "data": true, "error": ""}));
}

/// Without a password, a union-id user needs a recent sign-in.
#[tokio::test]
async fn a_user_without_a_password_needs_a_recent_sign_in() {
    let h = Harness::new(UnionIdProof::None).await;
    let (_, fresh) = h.union_id_user("wxminip", "o-no-password").await;
    let key = h.turn_on_two_factor(&fresh).await;
    let old = old_token(&h, &fresh).await;
    let body = json!({"code": code_at(&key, clock::now() + 30), "pwd": "anything"});
    h.with_token("DELETE", &h.two_factor_path(), Some(&body), &old)
        .await
        .assert_error(401, "recent sign-in");
    assert_eq!(stored_secrets(&h, &fresh).await.len(), 1, "still on");
}

/// Wrong codes on DELETE lock the user's two-factor changes, even for the
/// right code, instead of allowing a guess every 10 ms.
#[tokio::test]
async fn wrong_codes_when_turning_it_off_lock() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("guessed", "secret-1").await;
    let key = h.turn_on_two_factor(&token).await;
    let path = h.two_factor_path();
    let now = clock::now();
    let wrong = testkit::wrong_code(&key, now + 30);
    for _ in 0..5 {
        h.with_token("DELETE", &path, Some(&json!({"code": wrong})), &token)
            .await
            .assert_error(403, "wrong or expired");
    }
    h.with_token(
        "DELETE",
        &path,
        Some(&json!({"code": code_at(&key, now + 30)})),
        &token,
    )
    .await
    .assert_error(429, "try again in 15 minute(s)");
    assert_eq!(stored_secrets(&h, &token).await.len(), 1, "still on");
}
