//! The JWKS and the discovery document: what a JWT authorizer and OIDC
//! libraries read, served from memory.

use jsonwebtoken::{DecodingKey, Validation};
use testkit::ISSUER;

use crate::{Answer, Harness};

#[tokio::test]
async fn the_discovery_document_and_the_jwks_cost_no_dynamodb_request() {
    let h = Harness::fresh().await;
    let signed_in = h.signed_in().await;
    h.requests.take();
    let discovery = Answer::new(
        h.respond("GET", "/.well-known/openid-configuration", None, &[])
            .await,
    );
    let jwks = Answer::new(h.respond("GET", "/.well-known/jwks.json", None, &[]).await);
    assert_eq!(h.requests.take(), 0, "both from memory");
    for document in [&discovery, &jwks] {
        assert_eq!(document.status, 200);
        assert_eq!(document.header("cache-control"), Some("public, max-age=300"));
        assert_eq!(document.header("access-control-allow-origin"), Some("*"));
    }
    let config = &discovery.body;
    assert_eq!(config["issuer"], ISSUER);
    assert_eq!(config["jwks_uri"], format!("{ISSUER}.well-known/jwks.json"));
    assert_eq!(config["token_endpoint"], format!("{ISSUER}oauth2/token"));
    assert_eq!(config["revocation_endpoint"], format!("{ISSUER}oauth2/revoke"));
    assert_eq!(config["id_token_signing_alg_values_supported"][0], "ES256");
    assert_eq!(config["grant_types_supported"][0], "refresh_token");
    assert_eq!(config["token_endpoint_auth_methods_supported"][0], "none");
    assert_eq!(config["subject_types_supported"][0], "public");

    // The token verifies with the published key its kid names, and only
    // for this app's audience.
    let kid = jsonwebtoken::decode_header(&signed_in.access_token)
        .unwrap()
        .kid
        .unwrap();
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.body.clone()).unwrap();
    let key = DecodingKey::from_jwk(set.find(&kid).expect("the token's key")).unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[h.app.key.as_str()]);
    jsonwebtoken::decode::<serde_json::Value>(&signed_in.access_token, &key, &validation).expect("verifies");
    validation.set_audience(&["another-app"]);
    assert!(jsonwebtoken::decode::<serde_json::Value>(&signed_in.access_token, &key, &validation).is_err());
    assert!(!jwks.body.to_string().contains("\"d\""), "no private part");
}

#[tokio::test]
async fn a_page_may_ask_any_oauth_path_and_reads_only_as_its_app_allows() {
    let h = Harness::fresh().await;
    let origin = ("origin", "https://page.example".to_owned());
    let asked = h
        .respond(
            "OPTIONS",
            "/oauth2/token",
            None,
            &[origin.clone(), ("access-control-request-method", "POST".into())],
        )
        .await;
    assert_eq!(asked.status(), 204);
    // The app lists no web origin: the answer carries no CORS header.
    let signed_in = h.signed_in().await;
    let key = h.app.key.clone();
    let body = format!(
        "grant_type=refresh_token&client_id={key}&refresh_token={}",
        signed_in.refresh_token.unwrap()
    );
    let answer = h
        .respond(
            "POST",
            "/oauth2/token",
            Some(&body),
            &[
                origin,
                ("content-type", "application/x-www-form-urlencoded".into()),
            ],
        )
        .await;
    assert_eq!(answer.status(), 200);
    assert!(answer.headers().get("access-control-allow-origin").is_none());
}
