//! The ledger: balances of every currency, recharge, consume and exchange,
//! the transaction list and its filters, and the legacy points as one of
//! the currencies.

use oauthapp_shared::domain::clock;
use serde_json::json;

use crate::Harness;

#[tokio::test]
async fn balances_list_every_currency_of_the_app_for_the_caller_only() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    let reply = h
        .balances(&id.to_string(), &format!("?userId={id}"), &token)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        reply.data(),
        &json!([
            {"id": 1, "userID": id, "currencyCode": "points", "balance": 0},
            {"id": 2, "userID": id, "currencyCode": "gold", "balance": 0},
            {"id": 3, "userID": id, "currencyCode": "gems", "balance": 0},
        ])
    );
    let (other, _) = h.user().await;
    h.balances(&other.to_string(), "", &token)
        .await
        .assert_error(403, "`id`");
    h.balances("me", "", &token).await.assert_error(403, "`id`");
    h.balances(&id.to_string(), &format!("?userId={other}"), &token)
        .await
        .assert_error(403, "`userId`");
    let reply = h.balances(&id.to_string(), "", "not-a-token").await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn recharge_consume_and_exchange_keep_balances_and_log() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    let recharge = json!({"currency": "points", "balance": 250, "remark": "welcome", "description": "sign-up gift", "tags": "promo"});
    let reply = h.write("CurrencyRecharge", &recharge, &token).await;
    assert_eq!((reply.status, reply.data()), (200, &json!(true)), "{reply:?}");
    let consume = json!({"currency": "points", "balance": 40});
    assert_eq!(h.write("CurrencyConsume", &consume, &token).await.status, 200);
    // 200 points buy 2 gold; 150 would not convert exactly.
    let exchange = json!({"fromCurrency": "points", "currency": "gold", "balance": 200, "remark": "swap"});
    assert_eq!(h.write("CurrencyExchange", &exchange, &token).await.status, 200);
    let inexact = json!({"fromCurrency": "points", "currency": "gold", "balance": 5});
    h.write("CurrencyExchange", &inexact, &token)
        .await
        .assert_error(400, "multiple of 100");
    let back = json!({"fromCurrency": "gold", "currency": "points", "balance": 1});
    assert_eq!(h.write("CurrencyExchange", &back, &token).await.status, 200);
    let no_rate = json!({"fromCurrency": "gold", "currency": "gems", "balance": 1});
    h.write("CurrencyExchange", &no_rate, &token)
        .await
        .assert_error(400, "no rate");
    assert_eq!(h.balance(id, "points", &token).await, 250 - 40 - 200 + 100);
    assert_eq!(h.balance(id, "gold", &token).await, 1);
    let user = h.store.user(h.app.id, id).await.unwrap().unwrap();
    assert_eq!(user.points.point_balance, 110, "the points are the user item's");

    let reply = h.transactions("", &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.data()["total"], 6);
    let data = reply.data()["data"].as_array().unwrap();
    let first = data.iter().find(|entry| entry["remark"] == "welcome").unwrap();
    assert_eq!(first["transactionType"], "recharge");
    assert_eq!(first["currencyType"], "points");
    assert_eq!(first["currencyChange"], 250);
    assert_eq!(first["currencyBalance"], 250);
    assert_eq!(first["description"], "sign-up gift");
    assert_eq!(first["tags"], "promo");
    assert_eq!(first["userID"], id);
    assert_eq!(first["status"], "success");
    assert_eq!(first["createDate"].as_str().unwrap().len(), 19);
    let gold = h.transactions("?curCode=gold", &token).await;
    let changes: Vec<_> = gold.data()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["currencyChange"].as_i64().unwrap())
        .collect();
    assert_eq!(changes, [-1, 2], "newest first");
    let exchanges = h.transactions("?transType=exchange", &token).await;
    assert_eq!(exchanges.data()["total"], 4);
    let consumed = h.transactions("?transType=consume&curCode=points", &token).await;
    assert_eq!(consumed.data()["total"], 1);
    let page = h.transactions("?skip=1&take=2", &token).await;
    assert_eq!(
        (
            page.data()["total"].as_u64(),
            page.data()["data"].as_array().unwrap().len()
        ),
        (Some(6), 2)
    );
    let future = clock::display(clock::now() + 3600, time_offset());
    let later = h
        .transactions(&format!("?startTime={}", future.replace(' ', "%20")), &token)
        .await;
    assert_eq!(later.data()["total"], 0);
    let earlier = h
        .transactions(&format!("?endTime={}", future.replace(' ', "T")), &token)
        .await;
    assert_eq!(earlier.data()["total"], 6);
}

fn time_offset() -> time::UtcOffset {
    time::UtcOffset::from_hms(8, 0, 0).unwrap()
}

#[tokio::test]
async fn the_legacy_points_are_the_points_currency() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    // An operator's grant (admin, legacy) shows in the v1 list ...
    h.store
        .change_points(h.app.id, id, 30, "legacy grant", clock::now())
        .await
        .unwrap();
    let reply = h.transactions("?curCode=points", &token).await;
    let entry = &reply.data()["data"][0];
    assert_eq!(
        (entry["remark"].as_str(), entry["currencyChange"].as_i64()),
        (Some("legacy grant"), Some(30))
    );
    // ... and a v1 change shows in the legacy PointLog's pages.
    h.write(
        "CurrencyConsume",
        &json!({"currency": "points", "balance": 10, "remark": "v1"}),
        &token,
    )
    .await;
    let page = h
        .store
        .point_log(h.app.id, id, None, 0, 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(
        (page.entries[0].used, page.entries[0].remark.as_str()),
        (-10, "v1")
    );
    assert_eq!(h.balance(id, "points", &token).await, 20);
}
