//! Every bad input is a 400 in the v1 envelope that changes nothing.

use serde_json::json;

use crate::Harness;

#[tokio::test]
async fn bad_writes_are_400s_that_change_nothing() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    h.write(
        "CurrencyRecharge",
        &json!({"currency": "gold", "balance": 10}),
        &token,
    )
    .await;
    let long = "x".repeat(256);
    let cases = [
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": 0}),
            "`balance`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": -5}),
            "`balance`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": 1_000_000_000_001_i64}),
            "`balance`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": 1.5}),
            "`balance`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": 99_999_999_999_999_999_999.0}),
            "`balance`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "silver", "balance": 1}),
            "no currency `silver`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "", "balance": 1}),
            "`currency`",
        ),
        ("CurrencyRecharge", json!({"balance": 1}), "currency"),
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": 1, "remark": long}),
            "`remark`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": 1, "tags": long}),
            "`tags`",
        ),
        (
            "CurrencyRecharge",
            json!({"currency": "gold", "balance": 1, "description": "x".repeat(1001)}),
            "`description`",
        ),
        (
            "CurrencyConsume",
            json!({"currency": "gold", "balance": 11}),
            "less than",
        ),
        (
            "CurrencyExchange",
            json!({"fromCurrency": "gold", "currency": "gold", "balance": 1}),
            "differ",
        ),
        (
            "CurrencyExchange",
            json!({"fromCurrency": "silver", "currency": "gold", "balance": 1}),
            "`fromCurrency`",
        ),
        (
            "CurrencyExchange",
            json!({"fromCurrency": "gold", "currency": "points", "balance": 11}),
            "less than",
        ),
    ];
    for (op, body, text) in cases {
        let reply = h.write(op, &body, &token).await;
        assert_eq!(reply.status, 400, "{op} {body}: {reply:?}");
        assert!(reply.error().contains(text), "{op} {body}: {reply:?}");
    }
    assert_eq!(h.balance(id, "gold", &token).await, 10);
    assert_eq!(h.balance(id, "points", &token).await, 0);
    assert_eq!(h.transactions("", &token).await.data()["total"], 1);
}

#[tokio::test]
async fn bad_list_queries_are_400s() {
    let h = Harness::with_currencies().await;
    let (_, token) = h.user().await;
    for (query, text) in [
        ("?transType=gift", "`transType`"),
        ("?curCode=silver", "`curCode`"),
        ("?startTime=yesterday", "`startTime`"),
        ("?endTime=2026-13-01", "`endTime`"),
        ("?skip=-1", "`skip`"),
        ("?take=101", "`take`"),
        ("?take=ten", "`take`"),
        ("?userId=0", "`userId`"),
    ] {
        let reply = h.transactions(query, &token).await;
        assert!(matches!(reply.status, 400 | 403), "{query}: {reply:?}");
        assert!(reply.error().contains(text), "{query}: {reply:?}");
    }
}
