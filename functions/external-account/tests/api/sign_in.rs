//! `POST /ExternalAccount/{appKey}/SignIn`, against DynamoDB Local.

use oauthapp_shared::domain::{UnionIdProof, clock};
use serde_json::json;
use testkit::{code_at, decode_claims};

use crate::common::Harness;

#[tokio::test]
async fn any_enabled_binding_signs_its_user_in() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("multi", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "gh-multi").await.status, 200);
    assert_eq!(h.bind(&token, "gitlab", "gl-multi").await.status, 200);
    for (platform, union_id) in [("github", "gh-multi"), ("gitlab", "gl-multi")] {
        let reply = h.external_sign_in(platform, union_id, None).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.data()["token_type"], "Bearer");
        assert_eq!(reply.data()["expires_in"], 86400);
        let claims = decode_claims(&reply.token());
        assert_eq!(claims["nameid"], h.user_id(&token).to_string());
        assert_eq!(claims["appid"], h.app.id.to_string());
        assert_eq!(claims["grant_type"], "unionid");
    }
    // The seed's body, with an empty code for a user without two-factor sign-in.
    let seed = json!({"unionID": "gh-multi", "platform": "github", "twoFactorCode": ""});
    assert_eq!(
        h.send_json("POST", &h.external("/SignIn"), Some(&seed), &[])
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_disabled_binding_cannot_sign_in_until_enabled_again() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("toggler", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "gh-toggle").await.status, 200);
    assert_eq!(h.set_enabled(&token, 1, false).await.status, 200);
    h.external_sign_in("github", "gh-toggle", None)
        .await
        .assert_error(403, "disabled");
    assert_eq!(h.set_enabled(&token, 1, true).await.status, 200);
    assert_eq!(h.external_sign_in("github", "gh-toggle", None).await.status, 200);
}

#[tokio::test]
async fn unknown_pairs_and_bad_bodies_are_refused() {
    let h = Harness::new(UnionIdProof::None).await;
    h.external_sign_in("github", "nobody", None)
        .await
        .assert_error(404, "No account of this app is bound");
    let bad = [
        (json!({"platform": "github"}), "unionID"),
        (json!({"unionID": "a b", "platform": "github"}), "unionID"),
        (json!({"unionID": "ok", "platform": "x".repeat(21)}), "platform"),
        (
            json!({"unionID": "ok", "platform": "github", "twoFactorCode": "12345"}),
            "twoFactorCode",
        ),
        (
            json!({"unionID": "ok", "platform": "github", "twoFactorCode": "12345a"}),
            "twoFactorCode",
        ),
    ];
    for (body, field) in bad {
        h.send_json("POST", &h.external("/SignIn"), Some(&body), &[])
            .await
            .assert_error(400, field);
    }
    h.send_json(
        "POST",
        "/ExternalAccount/no-such-app/SignIn",
        Some(&json!({"unionID": "a", "platform": "b"})),
        &[],
    )
    .await
    .assert_error(404, "no app with key");
}

#[tokio::test]
async fn an_app_demanding_signatures_signs_in_only_signed_requests() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let token = h.password_user("signed-in", "secret-1").await;
    let body = json!({"unionID": "signed-gh", "platform": "github"});
    assert_eq!(
        h.post_signed(&h.external(""), &body, Some(&token)).await.status,
        200
    );
    h.external_sign_in("github", "signed-gh", None)
        .await
        .assert_error(401, "sign the request");
    let signed = h.post_signed(&h.external("/SignIn"), &body, None).await;
    assert_eq!(signed.status, 200, "{signed:?}");
}

#[tokio::test]
async fn wrong_codes_lock_one_binding_only() {
    let h = Harness::with_env(UnionIdProof::None, &[("LOCKOUT_THRESHOLD", "3")]).await;
    let token = h.password_user("locked-out", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "gh-locked").await.status, 200);
    assert_eq!(h.bind(&token, "gitlab", "gl-open").await.status, 200);
    let key = h.turn_on_two_factor(&token).await;
    let now = clock::now();
    let wrong = testkit::wrong_code(&key, now);
    for _ in 0..3 {
        h.external_sign_in("github", "gh-locked", Some(wrong))
            .await
            .assert_error(401, "wrong or expired");
    }
    // Locked now, even with the right code.
    h.external_sign_in("github", "gh-locked", Some(&code_at(&key, now + 30)))
        .await
        .assert_error(429, "Too many failed sign-ins");
    // The other binding is a credential of its own.
    let other = h
        .external_sign_in("gitlab", "gl-open", Some(&code_at(&key, now + 30)))
        .await;
    assert_eq!(other.status, 200, "{other:?}");
}
