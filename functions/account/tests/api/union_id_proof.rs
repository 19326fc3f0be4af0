//! Each union-id proof mode: a good signature, a stale timestamp, a bad
//! signature, a tampered body; what the flags become; nothing written on refusal.

use oauthapp_shared::auth::signature::{self, Covered};
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
    wrong[2].1 = "0".repeat(64);
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
    bad[2].1 = "f".repeat(64);
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

fn union_id_sign_in() -> String {
    json!({"platform": "web", "unionID": "replayed-backend-user"}).to_string()
}

#[tokio::test]
async fn a_signed_sign_in_replayed_verbatim_is_refused() {
    let h = Harness::new(UnionIdProof::Signature).await;
    h.union_id_user("web", "replayed-backend-user").await;
    let path = h.path("UnionIDSignIn");
    let body = union_id_sign_in();
    let headers = h.signature_headers("POST", &path, &body, clock::now());
    assert_eq!(h.send("POST", &path, Some(&body), &headers).await.status, 200);
    let replay = h.send("POST", &path, Some(&body), &headers).await;
    replay.assert_error(401, "replayed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signed_sign_in_sent_to_two_instances_at_once_signs_in_once() {
    let h = Harness::new(UnionIdProof::Signature).await;
    h.union_id_user("web", "replayed-backend-user").await;
    let path = h.path("UnionIDSignIn");
    let body = union_id_sign_in();
    let headers = h.signature_headers("POST", &path, &body, clock::now());
    let other = h.another_instance();
    let (first, second) = tokio::join!(
        h.send("POST", &path, Some(&body), &headers),
        other.answer(testkit::request("POST", &path, Some(&body), &headers)),
    );
    let second = testkit::Reply::from_response(second);
    let (won, lost) = if first.status == 200 {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(won.status, 200, "{won:?}");
    lost.assert_error(401, "replayed");
}

#[tokio::test]
async fn timestamps_at_the_ends_of_i64_are_refused_not_a_panic() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let path = h.path("UnionIDSignIn");
    let body = union_id_sign_in();
    for timestamp in [i64::MIN, i64::MAX] {
        let headers = h.signature_headers("POST", &path, &body, timestamp);
        h.send("POST", &path, Some(&body), &headers)
            .await
            .assert_error(401, "more than 300 seconds");
    }
}

/// A backend's signature of `body` to `path` with a nonce of its choosing.
fn signed_with_nonce(h: &Harness, path: &str, body: &str, nonce: &str) -> Vec<(&'static str, String)> {
    let timestamp = clock::now().to_string();
    let covered = Covered {
        method: "POST",
        target: path,
        authorization: b"",
        body: body.as_bytes(),
    };
    let signature = signature::sign(&h.app.secret, &timestamp, nonce, &covered);
    vec![
        ("X-OAuthApp-Timestamp", timestamp),
        ("X-OAuthApp-Nonce", nonce.to_owned()),
        ("X-OAuthApp-Signature", signature),
    ]
}

#[tokio::test]
async fn a_signed_request_without_a_good_nonce_is_refused() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let path = h.path("UnionIDSignUp");
    let body = sign_up_body().to_string();
    // What a backend signing as before sends: no nonce.
    let mut without_nonce = h.signature_headers("POST", &path, &body, clock::now());
    without_nonce.remove(1);
    h.send("POST", &path, Some(&body), &without_nonce)
        .await
        .assert_error(
            401,
            "needs X-OAuthApp-Timestamp, X-OAuthApp-Nonce and X-OAuthApp-Signature",
        );
    for bad in ["too-short", "with space 0123456789", &"n".repeat(65)] {
        h.send(
            "POST",
            &path,
            Some(&body),
            &signed_with_nonce(&h, &path, &body, bad),
        )
        .await
        .assert_error(
            401,
            "X-OAuthApp-Nonce must be 16 to 64 characters of letters, digits, _ and -",
        );
    }
    // A nonce header the signature does not cover: the message says what it covers.
    let mut unsigned_nonce = h.signature_headers("POST", &path, &body, clock::now());
    unsigned_nonce[1].1 = "another-nonce-0123456789".to_owned();
    h.send("POST", &path, Some(&body), &unsigned_nonce)
        .await
        .assert_error(
            401,
            "HMAC-SHA256, keyed with the app secret, of timestamp, nonce, METHOD, path with its query as sent, \
             the lowercase hex SHA-256 of the Authorization header",
        );
    assert_eq!(h.user_count().await, 0, "no refused request wrote anything");
}

#[tokio::test]
async fn nonces_are_per_app() {
    let (first, second) = tokio::join!(
        Harness::new(UnionIdProof::Signature),
        Harness::new(UnionIdProof::Signature)
    );
    let nonce = format!("shared-nonce-{}", clock::now());
    for h in [&first, &second] {
        let path = h.path("UnionIDSignUp");
        let body = sign_up_body().to_string();
        let reply = h
            .send(
                "POST",
                &path,
                Some(&body),
                &signed_with_nonce(h, &path, &body, &nonce),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    let path = first.path("UnionIDSignIn");
    let body = union_id_sign_in();
    first
        .send(
            "POST",
            &path,
            Some(&body),
            &signed_with_nonce(&first, &path, &body, &nonce),
        )
        .await
        .assert_error(401, "replayed");
}

#[tokio::test]
async fn a_nonce_past_its_expiry_that_ttl_has_not_deleted_counts_as_gone() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let now = clock::now();
    let nonce = "expired-nonce-0123456789";
    let spend = |expires_at| h.store.spend_nonce(h.app.id, nonce, expires_at, now);
    assert!(spend(now - 1).await.unwrap());
    assert!(spend(now + 660).await.unwrap(), "the item had expired");
    assert!(!spend(now + 660).await.unwrap(), "the item is live");
}
