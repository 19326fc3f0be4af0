//! The attacks on the ledger's writes, each refused and changing nothing:
//! a signature made for one user's token sent with another's, a replayed
//! signed request, concurrent consumptions on several instances, and
//! writes unsigned or badly signed.

use futures_util::future::join_all;
use serde_json::json;
use testkit::Reply;

use crate::{Harness, Signing, fresh_nonce};

#[tokio::test]
async fn a_signature_for_one_users_token_moves_nothing_for_another() {
    let h = Harness::with_currencies().await;
    let (a_id, a) = h.user().await;
    let (b_id, b) = h.user().await;
    h.write(
        "CurrencyRecharge",
        &json!({"currency": "gold", "balance": 50}),
        &b,
    )
    .await;
    let body = json!({"currency": "gold", "balance": 50}).to_string();
    // Signed for A's token, sent with B's: a consumption of B's gold.
    let target = h.signed_target("CurrencyConsume", "", &body, &Signing::now(&a));
    h.send_as(&target, &body, &b)
        .await
        .assert_error(401, "does not match");
    assert_eq!(h.balance(b_id, "gold", &b).await, 50);
    // Nor can A's signed request name B in `userId`.
    let target = h.signed_target(
        "CurrencyRecharge",
        &format!("userId={b_id}"),
        &body,
        &Signing::now(&a),
    );
    h.send_as(&target, &body, &a).await.assert_error(403, "userId");
    assert_eq!(h.balance(a_id, "gold", &a).await, 0);
}

#[tokio::test]
async fn a_replayed_signed_request_is_refused() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    let body = json!({"currency": "gold", "balance": 7}).to_string();
    let target = h.signed_target("CurrencyRecharge", "", &body, &Signing::now(&token));
    assert_eq!(h.send_as(&target, &body, &token).await.status, 200);
    h.send_as(&target, &body, &token)
        .await
        .assert_error(401, "replayed");
    // Also at another instance, which shares nothing but the table.
    let replay = testkit::request("POST", &target, Some(&body), &[testkit::bearer(&token)]);
    let reply = Reply::from_response(h.another_instance().answer(replay).await);
    reply.assert_error(401, "replayed");
    assert_eq!(h.balance(id, "gold", &token).await, 7);
}

#[tokio::test]
async fn concurrent_consumptions_on_several_instances_never_overspend() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    // 10 of 16 consumptions of 7 fit a balance of 70 (and 73, with 3 left).
    for (currency, balance) in [("gold", 73), ("points", 73)] {
        let reply = h
            .write(
                "CurrencyRecharge",
                &json!({"currency": currency, "balance": balance}),
                &token,
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
    }
    for currency in ["gold", "points"] {
        let instances: Vec<_> = (0..4).map(|_| h.another_instance()).collect();
        let body = json!({"currency": currency, "balance": 7}).to_string();
        let requests: Vec<_> = (0..16)
            .map(|_| {
                let target = h.signed_target("CurrencyConsume", "", &body, &Signing::now(&token));
                testkit::request("POST", &target, Some(&body), &[testkit::bearer(&token)])
            })
            .collect();
        let replies = join_all(requests.into_iter().enumerate().map(|(n, request)| {
            let instance = &instances[n % instances.len()];
            async move { Reply::from_response(instance.answer(request).await) }
        }))
        .await;
        let succeeded = replies.iter().filter(|reply| reply.status == 200).count();
        assert_eq!(succeeded, 10, "{currency}: {replies:?}");
        assert!(
            replies
                .iter()
                .filter(|reply| reply.status != 200)
                .all(|reply| reply.status == 400 && reply.error().contains("less than")),
            "{replies:?}"
        );
        assert_eq!(h.balance(id, currency, &token).await, 3, "{currency}");
        let log = h
            .transactions(&format!("?curCode={currency}&take=100"), &token)
            .await;
        let changes: i64 = log.data()["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["currencyChange"].as_i64().unwrap())
            .sum();
        assert_eq!(
            (log.data()["total"].as_u64(), changes),
            (Some(11), 3),
            "{currency}"
        );
    }
}

#[tokio::test]
async fn unsigned_or_badly_signed_writes_change_nothing() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    let body = json!({"currency": "gold", "balance": 5}).to_string();
    let path = h.v1("UserCurrency", "/CurrencyRecharge");
    h.send_as(&path, &body, &token)
        .await
        .assert_error(401, "signature");
    let signing = Signing::now(&token);
    let good = h.signed_target("CurrencyRecharge", "", &body, &signing);
    // Another body, a changed query, another secret's signature, a stale
    // or missing timestamp: each refused.
    let other_body = json!({"currency": "gold", "balance": 500}).to_string();
    h.send_as(&good, &other_body, &token)
        .await
        .assert_error(401, "does not match");
    h.send_as(&format!("{good}&userId={id}"), &body, &token)
        .await
        .assert_error(401, "does not match");
    let sig_start = good.find("signature=").unwrap() + "signature=".len();
    let mut forged = good.clone();
    forged.replace_range(sig_start..sig_start + 4, "0000");
    h.send_as(&forged, &body, &token)
        .await
        .assert_error(401, "does not match");
    let stale = Signing {
        timestamp: signing.timestamp - 61,
        nonce: fresh_nonce(),
        token: &token,
    };
    let target = h.signed_target("CurrencyRecharge", "", &body, &stale);
    h.send_as(&target, &body, &token)
        .await
        .assert_error(401, "60 seconds");
    let without_timestamp = good.replace(&format!("&timestamp={}", signing.timestamp), "");
    h.send_as(&without_timestamp, &body, &token)
        .await
        .assert_error(401, "needs");
    // Without a token, the signature alone is not enough.
    let reply = h.send("POST", &good, Some(&body), &[]).await;
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(h.balance(id, "gold", &token).await, 0);
    // The good request was never spent by the refusals above.
    assert_eq!(h.send_as(&good, &body, &token).await.status, 200);
    assert_eq!(h.balance(id, "gold", &token).await, 5);
}
