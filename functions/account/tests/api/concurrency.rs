//! Concurrent requests lose nothing and never create duplicates.

use std::collections::HashMap;
use std::sync::Arc;

use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::store::ChangePointsError;
use serde_json::json;

use crate::common::{GOOD_PASSWORD, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_sign_ups_of_one_name_make_one_user() {
    let h = Arc::new(Harness::new(UnionIdProof::None).await);
    let attempts = (0..20).map(|i| {
        let h = h.clone();
        // Vary the case: uniqueness is case-insensitive.
        let name = if i % 2 == 0 { "racer" } else { "RACER" };
        tokio::spawn(async move {
            h.post("SignUp", &json!({"userName": name, "pwd": GOOD_PASSWORD}))
                .await
        })
    });
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for attempt in attempts {
        let reply = attempt.await.unwrap();
        if reply.status == 409 {
            reply.assert_error(409, "user name is taken");
        }
        *statuses.entry(reply.status).or_default() += 1;
    }
    assert_eq!(statuses.get(&200), Some(&1), "{statuses:?}");
    assert_eq!(statuses.get(&409), Some(&19), "{statuses:?}");
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_union_id_sign_ups_make_one_user() {
    let h = Arc::new(Harness::new(UnionIdProof::None).await);
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let h = h.clone();
            tokio::spawn(async move {
                h.post("UnionIDSignUp", &json!({"platform": "web", "unionID": "same"}))
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for attempt in attempts {
        let reply = attempt.await.unwrap();
        match reply.status {
            200 => ok += 1,
            _ => reply.assert_error(409, "exists already"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_grants_and_consumptions_keep_the_balance_equal_to_the_log() {
    let h = Arc::new(Harness::new(UnionIdProof::None).await);
    let token = h.sign_up("spender", GOOD_PASSWORD).await;
    let user_id = h.user_id(&token);
    let app_id = h.app.id;
    h.store
        .change_points(app_id, user_id, 30, "opening", 1)
        .await
        .unwrap();

    // 10 grants of 10 race 20 consumptions of 10: at most 13 consumptions fit.
    let changes: Vec<_> = (0..30)
        .map(|i| {
            let h = h.clone();
            let amount = if i % 3 == 0 { 10 } else { -10 };
            tokio::spawn(async move {
                (
                    amount,
                    h.store.change_points(app_id, user_id, amount, "race", 2).await,
                )
            })
        })
        .collect();
    let mut expected = 30;
    let mut refused = 0;
    for change in changes {
        match change.await.unwrap() {
            (amount, Ok(balance)) => {
                assert!(balance >= 0);
                expected += amount;
            }
            (_, Err(ChangePointsError::InsufficientBalance { balance, needed })) => {
                assert!(balance < needed);
                refused += 1;
            }
            (_, Err(other)) => panic!("unexpected failure: {other}"),
        }
    }
    assert!(expected >= 0);
    let user = h.store.user(app_id, user_id).await.unwrap().unwrap();
    assert_eq!(user.points.point_balance, expected, "no change was lost");
    assert_eq!(
        user.points.point_entries,
        31 - refused,
        "a refused consumption writes nothing"
    );

    // The log, read back through the API, sums to the balance.
    let mut sum = 0;
    let mut skip = 0;
    loop {
        let page = h
            .get_with_token(&format!("{}?skip={skip}&take=100", h.path("PointLog")), &token)
            .await;
        let entries = page.data()["data"].as_array().unwrap().clone();
        if entries.is_empty() {
            break;
        }
        sum += entries.iter().map(|e| e["used"].as_i64().unwrap()).sum::<i64>();
        skip += entries.len();
    }
    assert_eq!(skip as u64, user.points.point_entries);
    assert_eq!(sum, user.points.point_balance);
}

#[tokio::test]
async fn a_consumption_beyond_the_balance_writes_nothing() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("saver", GOOD_PASSWORD).await;
    let user_id = h.user_id(&token);
    h.store
        .change_points(h.app.id, user_id, 5, "grant", 1)
        .await
        .unwrap();
    let refused = h.store.change_points(h.app.id, user_id, -6, "too much", 2).await;
    assert!(matches!(
        refused,
        Err(ChangePointsError::InsufficientBalance {
            balance: 5,
            needed: 6
        })
    ));
    let log = h.get_with_token(&h.path("PointLog"), &token).await;
    assert_eq!(log.data()["total"], 1);
    assert_eq!(
        h.store
            .change_points(h.app.id, user_id, -5, "all", 3)
            .await
            .unwrap(),
        0
    );
}
