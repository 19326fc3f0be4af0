//! What Info answers: the card and the properties, filtered by `propCode`,
//! and nothing of the app's secrets or settings.

use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::verification::Verify;
use oauthapp_shared::store::AppChanges;
use serde_json::json;

use crate::Harness;

#[tokio::test]
async fn info_is_the_card_and_every_property() {
    let h = Harness::with_properties().await;
    let reply = h.info("").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        (&reply.body["code"], &reply.body["error"]),
        (&json!(200), &json!(""))
    );
    assert_eq!(
        reply.data(),
        &json!({
            "info": {
                "appKey": h.app.key,
                "id": h.app.id,
                "name": "开发文档",
                "logo": "https://blob.example/API.png",
                "tags": null,
                "website": "https://web.example/docs",
                "description": null,
                "projectID": 4,
            },
            "props": [
                {"code": "minVersion", "value": "2.1.0", "desc": "Older clients must update"},
                {"code": "notice.url", "value": "https://web.example/notice"},
            ],
        })
    );
}

#[tokio::test]
async fn an_app_without_properties_has_an_empty_list() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let reply = h.info("").await;
    assert_eq!(reply.data()["props"], json!([]), "{reply:?}");
    assert_eq!(reply.data()["info"]["appKey"], json!(h.app.key));
}

#[tokio::test]
async fn prop_code_answers_only_that_property() {
    let h = Harness::with_properties().await;
    let reply = h.info("propCode=notice.url").await;
    assert_eq!(
        reply.data()["props"],
        json!([{"code": "notice.url", "value": "https://web.example/notice"}]),
        "{reply:?}"
    );
    assert_eq!(
        reply.data()["info"]["id"],
        json!(h.app.id),
        "the card still comes"
    );
    // Codes match exactly; an app without the code answers none.
    for absent in ["propCode=minversion", "propCode=noSuchCode"] {
        let reply = h.info(absent).await;
        assert_eq!(
            (reply.status, &reply.data()["props"]),
            (200, &json!([])),
            "{absent}"
        );
    }
    // An empty propCode is no filter, as the seed's empty query values are.
    assert_eq!(
        h.info("propCode=").await.data()["props"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn a_malformed_prop_code_is_a_400_in_the_v1_envelope() {
    let h = Harness::with_properties().await;
    let too_long = format!("propCode={}", "c".repeat(65));
    for bad in [
        "propCode=two%20words",
        "propCode=a%2Fb",
        "propCode=%E5%90%8D",
        too_long.as_str(),
    ] {
        h.info(bad).await.assert_error(
            400,
            "`propCode` must be 1 to 64 characters of letters, digits and _ . -",
        );
    }
}

#[tokio::test]
async fn an_unknown_app_key_is_the_404_of_every_v1_route() {
    let h = Harness::with_properties().await;
    h.send("GET", "/App/no-such-app-key/Info", None, &[])
        .await
        .assert_error(404, "There is no app with key \"no-such-app-key\".");
}

/// Info is public: the raw answer holds no secret or setting of the app,
/// whatever the app has.
#[tokio::test]
async fn the_answer_holds_nothing_secret() {
    let h = Harness::with_properties().await;
    let mut app = h.services().store.app(h.app.id).await.unwrap().unwrap();
    app.verification.verify_email = Verify::Required;
    app.verification.email_sender = Some("sender@studio.example".into());
    let h = h
        .changed(AppChanges {
            verification: Some(app.verification),
            web_origins: Some(vec!["https://a.example".into()]),
            rate_limit_per_ip: Some(1000),
            ..AppChanges::default()
        })
        .await;
    let raw = match h
        .respond("GET", &h.v1("App", "/Info"), None, &[])
        .await
        .into_body()
    {
        lambda_http::Body::Text(text) => text,
        other => panic!("a text body: {other:?}"),
    };
    for kept in [
        h.app.secret.expose(),
        "secret",
        "sender@studio.example",
        "verif",
        "https://a.example",
        "rateLimit",
        "webOrigins",
        "tenantName",
        "www.oauthapp.com",
        "scopes",
        "openid profile",
    ] {
        assert!(!raw.contains(kept), "{kept:?} in {raw}");
    }
}
