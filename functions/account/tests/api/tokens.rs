//! Bearer tokens: missing, expired, forged, `alg: none`, wrong issuer and
//! another app's tokens are all refused with 401.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oauthapp_shared::domain::UnionIdProof;
use serde_json::{Value, json};
use testkit::{TEST_SECRET, decode_claims};

use crate::common::{GOOD_PASSWORD, Harness};

fn reissue(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("tokenuser", GOOD_PASSWORD).await;
    let claims = decode_claims(&token);
    let profile = h.path("Profile");
    assert_eq!(h.get_with_token(&profile, &token).await.status, 200);

    h.send("GET", &profile, None, &[])
        .await
        .assert_error(401, "needs an `Authorization: Bearer");
    h.send("GET", &profile, None, &[("authorization", "Basic abc".into())])
        .await
        .assert_error(401, "Bearer");
    h.get_with_token(&profile, "not.a.token")
        .await
        .assert_error(401, "invalid");

    let mut expired = claims.clone();
    expired["exp"] = json!(claims["iat"].as_i64().unwrap() - 3600);
    expired["nbf"] = json!(claims["iat"].as_i64().unwrap() - 7200);
    h.get_with_token(&profile, &reissue(&expired, TEST_SECRET))
        .await
        .assert_error(401, "expired");

    let mut early = claims.clone();
    early["nbf"] = json!(claims["iat"].as_i64().unwrap() + 3600);
    h.get_with_token(&profile, &reissue(&early, TEST_SECRET))
        .await
        .assert_error(401, "not valid yet");

    let forged = reissue(&claims, b"another-secret-of-at-least-32-bytes!!");
    h.get_with_token(&profile, &forged)
        .await
        .assert_error(401, "invalid");

    let mut tampered = claims.clone();
    // Another user's id: the signature no longer covers the payload.
    tampered["nameid"] = json!((h.user_id(&token) + 1).to_string());
    let parts: Vec<&str> = token.split('.').collect();
    let swapped = format!("{}.{}.{}", parts[0], b64(&tampered), parts[2]);
    h.get_with_token(&profile, &swapped)
        .await
        .assert_error(401, "invalid");

    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims));
    h.get_with_token(&profile, &none)
        .await
        .assert_error(401, "invalid");
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(TEST_SECRET),
    )
    .unwrap();
    h.get_with_token(&profile, &hs512)
        .await
        .assert_error(401, "invalid");

    for claim in ["iss", "aud"] {
        let mut other = claims.clone();
        other[claim] = json!("https://elsewhere.example/");
        h.get_with_token(&profile, &reissue(&other, TEST_SECRET))
            .await
            .assert_error(401, "invalid");
    }
    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    h.get_with_token(&profile, &reissue(&no_exp, TEST_SECRET))
        .await
        .assert_error(401, "invalid");

    // The same user id under another app's id: a token of app A on app B.
    let other_app = Harness::new(UnionIdProof::None).await;
    other_app
        .get_with_token(&other_app.path("Profile"), &token)
        .await
        .assert_error(401, "another app");
    other_app
        .get_with_token(&other_app.path("PointLog"), &token)
        .await
        .assert_error(401, "another app");
    let put = other_app
        .put_with_token("Profile", &json!({"nickName": "hijack"}), &token)
        .await;
    put.assert_error(401, "another app");
    assert_eq!(h.get_with_token(&profile, &token).await.data()["nickName"], "");
}
