//! The secrets the table keeps are sealed at rest: the app secret, the
//! WeChat AppSecrets, access tokens and jsapi tickets are Binary attributes
//! that show nothing of the secret and open only in their own place. Items
//! written before sealing still work, and are sealed when next written.

use aws_sdk_dynamodb::types::AttributeValue;
use oauthapp_shared::domain::{AppCard, UnionIdProof, clock};
use oauthapp_shared::store::{AppChanges, Item, Key, NewApp, keys};
use serde_json::json;

use crate::common::Harness;

const TICKET: &str = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
const LINK: &str = "/wxa/generate_urllink";

/// The item at `key`, as the table holds it.
async fn stored(h: &Harness, key: &Key) -> Item {
    h.store
        .client()
        .get_item()
        .table_name(h.store.table())
        .set_key(Some(key.item()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the item exists")
}

/// Writes `item` as it is, as the service did before sealing.
async fn put(h: &Harness, item: Item) {
    h.store
        .client()
        .put_item()
        .table_name(h.store.table())
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
}

/// The WeChat credential items of `wechat_app_id` (the test's own appid),
/// by name (`CREDENTIAL#access-token`, `CREDENTIAL#jsapi-ticket`).
async fn credentials(h: &Harness, wechat_app_id: &str) -> Vec<(String, Item)> {
    // Only a test scans: to find items whose key holds a fingerprint it cannot compute.
    let items: Vec<Item> = h
        .store
        .client()
        .scan()
        .table_name(h.store.table())
        .filter_expression("begins_with(pk, :pk)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("WECHAT#{wechat_app_id}#")))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .unwrap();
    let mut found: Vec<(String, Item)> = items
        .into_iter()
        .map(|item| (item["sk"].as_s().unwrap().clone(), item))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Whether `value`, at any depth, shows `secret`.
fn shows(value: &AttributeValue, secret: &str) -> bool {
    match value {
        AttributeValue::S(text) => text.contains(secret),
        AttributeValue::B(bytes) => bytes
            .as_ref()
            .windows(secret.len())
            .any(|part| part == secret.as_bytes()),
        AttributeValue::M(map) => map.values().any(|value| shows(value, secret)),
        AttributeValue::L(list) => list.iter().any(|value| shows(value, secret)),
        _ => false,
    }
}

/// The attribute at `path`: `secret`, or `wechatMiniProgram.secret`.
fn at<'a>(item: &'a Item, path: &str) -> &'a AttributeValue {
    let mut names = path.split('.');
    let first = &item[names.next().unwrap()];
    names.fold(first, |value, name| &value.as_m().unwrap()[name])
}

async fn js_config(h: &Harness) -> u16 {
    let target = h.wechat("JSConfig?url=https%3A%2F%2Fweb.example%2F");
    h.backend("GET", &target, None).await.status
}

async fn link(h: &Harness) -> u16 {
    h.answer(link_request(h)).await.status().as_u16()
}

/// A signed `POST UrlLinkGenerate`, for any instance to answer.
fn link_request(h: &Harness) -> lambda_http::Request {
    let body = json!({"path": "pages/index/index"});
    let target = h.wechat("UrlLinkGenerate");
    testkit::request(
        "POST",
        &target,
        Some(&body.to_string()),
        &h.signed("POST", &target, Some(&body)),
    )
}

const APP_SECRETS: [&str; 3] = [
    "secret",
    "wechatMiniProgram.secret",
    "wechatOfficialAccount.secret",
];

#[tokio::test]
async fn every_secret_the_table_keeps_is_sealed() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    h.fake().set_jsapi_ticket(&h.official().app_id, TICKET);
    assert_eq!(
        js_config(&h).await,
        200,
        "the official account's token and ticket"
    );
    assert_eq!(link(&h).await, 200, "the mini-program's token");

    let app = stored(&h, &keys::app(h.app.id)).await;
    let secrets = [
        h.app.secret.expose(),
        h.mini().secret.expose(),
        h.official().secret.expose(),
    ];
    for (path, secret) in APP_SECRETS.into_iter().zip(secrets) {
        assert!(at(&app, path).is_b(), "{path} is sealed: {:?}", at(&app, path));
        assert!(
            !app.values().any(|value| shows(value, secret)),
            "{path} shows nowhere"
        );
    }

    let mini_token = h.fake().current_token(&h.mini().app_id).unwrap();
    let official_token = h.fake().current_token(&h.official().app_id).unwrap();
    let mini = credentials(&h, &h.mini().app_id).await;
    let official = credentials(&h, &h.official().app_id).await;
    let names = |items: &[(String, Item)]| items.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&mini), ["CREDENTIAL#access-token"]);
    assert_eq!(
        names(&official),
        ["CREDENTIAL#access-token", "CREDENTIAL#jsapi-ticket"]
    );
    for ((name, item), secret) in
        mini.iter()
            .chain(&official)
            .zip([&mini_token, &official_token, &TICKET.to_owned()])
    {
        assert!(item["value"].is_b(), "{name} is sealed");
        assert!(
            !item.values().any(|value| shows(value, secret)),
            "{name} shows nowhere"
        );
    }
}

#[tokio::test]
async fn a_sealed_secret_opens_only_where_it_was_sealed() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    // Another app's item, given this app's sealed secret.
    let other = h
        .store
        .create_app(
            NewApp {
                card: AppCard {
                    name: "Other".into(),
                    ..AppCard::default()
                },
                ..NewApp::default()
            },
            clock::now(),
        )
        .await
        .unwrap();
    let app = stored(&h, &keys::app(h.app.id)).await;
    let copy = |key: Key, name: &'static str, value: AttributeValue| {
        h.store
            .client()
            .update_item()
            .table_name(h.store.table())
            .set_key(Some(key.item()))
            .update_expression("SET #name = :value")
            .expression_attribute_names("#name", name)
            .expression_attribute_values(":value", value)
            .send()
    };
    copy(keys::app(other.id), "secret", app["secret"].clone())
        .await
        .unwrap();
    let err = h.store.app(other.id).await.unwrap_err().to_string();
    assert!(err.contains("does not open"), "{err}");
    assert!(err.contains(&format!("APP#{}", other.id)), "{err}");

    // The access token's sealed value in place of the jsapi ticket's.
    h.fake().set_jsapi_ticket(&h.official().app_id, TICKET);
    assert_eq!(js_config(&h).await, 200);
    let official = credentials(&h, &h.official().app_id).await;
    let (token, ticket) = (&official[0].1, &official[1].1);
    let ticket_key = Key {
        pk: ticket["pk"].as_s().unwrap().clone(),
        sk: ticket["sk"].as_s().unwrap().clone(),
    };
    copy(ticket_key, "value", token["value"].clone()).await.unwrap();
    let reply = h
        .another_instance()
        .answer(testkit::request(
            "GET",
            &h.wechat("JSConfig?url=https%3A%2F%2Fweb.example%2F"),
            None,
            &h.signed(
                "GET",
                &h.wechat("JSConfig?url=https%3A%2F%2Fweb.example%2F"),
                None,
            ),
        ))
        .await;
    assert_eq!(reply.status(), 500, "a moved value is a fault, never used");
    assert_eq!(
        h.fake().ticket_fetches(&h.official().app_id),
        1,
        "nor worked around"
    );
}

#[tokio::test]
async fn items_written_before_sealing_are_read_and_sealed_when_next_written() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    assert_eq!(link(&h).await, 200);
    assert_eq!(h.mini_token_fetches(), 1);
    // The app and the token as the service stored them before sealing:
    // every secret a String.
    let app_key = keys::app(h.app.id);
    let mut plain_app: Item = serde_dynamo::to_item(&h.app).unwrap();
    plain_app.extend(app_key.item());
    put(&h, plain_app).await;
    let token = h.fake().current_token(&h.mini().app_id).unwrap();
    let (_, token_item) = credentials(&h, &h.mini().app_id).await.remove(0);
    let mut plain_token = token_item.clone();
    plain_token.insert("value".into(), AttributeValue::S(token.clone()));
    put(&h, plain_token).await;

    // A fresh instance reads both: the signature checks against the plain
    // app secret, and the plain token is used as it is.
    let instance = h.another_instance();
    assert_eq!(instance.answer(link_request(&h)).await.status(), 200);
    assert_eq!(h.mini_token_fetches(), 1, "the stored plain token served");
    let stored_app = stored(&h, &app_key).await;
    assert!(
        APP_SECRETS.iter().all(|path| at(&stored_app, path).is_s()),
        "reading writes nothing"
    );

    // WeChat refuses the plain token: it is dropped, and its successor sealed.
    h.fake().fail_next(LINK, 40001);
    assert_eq!(instance.answer(link_request(&h)).await.status(), 200);
    assert_eq!(h.mini_token_fetches(), 2);
    let (_, token_item) = credentials(&h, &h.mini().app_id).await.remove(0);
    assert!(token_item["value"].is_b(), "the new token is sealed");

    // Any write of the app seals its plain secrets.
    let h = h
        .changed(AppChanges {
            name: Some("Renamed".into()),
            ..AppChanges::default()
        })
        .await;
    let stored_app = stored(&h, &app_key).await;
    for path in APP_SECRETS {
        assert!(at(&stored_app, path).is_b(), "{path} sealed by the write");
    }
    assert_eq!(h.app.card.name, "Renamed");
    assert_eq!(
        h.store.app(h.app.id).await.unwrap().unwrap(),
        h.app,
        "the same secrets, sealed"
    );
    assert_eq!(instance.answer(link_request(&h)).await.status(), 200);
}
