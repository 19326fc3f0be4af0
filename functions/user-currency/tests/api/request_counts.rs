//! DynamoDB requests of the ledger (`scripts/measure.sh requests` prints the table).

use serde_json::json;

use crate::Harness;

#[tokio::test]
async fn the_ledger_stays_within_its_request_budget() {
    let h = Harness::with_currencies().await;
    let (id, token) = h.user().await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");
    // The instance's first request with the app's key also reads its guard.
    let reply = h.balances(&id.to_string(), "", &token).await;
    budget.record(
        "GET UserCurrency/{id} (key new to the instance)",
        3,
        reply.status,
        200,
    );
    // The app with the user (the token's check), then the balance items.
    let reply = h.balances(&id.to_string(), "", &token).await;
    budget.record("GET UserCurrency/{id}", 2, reply.status, 200);
    // The app with the user, the nonce, the user again (the totals read
    // for the condition), the transaction.
    let points = json!({"currency": "points", "balance": 300});
    let reply = h.write("CurrencyRecharge", &points, &token).await;
    budget.record("POST CurrencyRecharge (points)", 4, reply.status, 200);
    // As above, the balance item instead of the user.
    let gold = json!({"currency": "gold", "balance": 3});
    let reply = h.write("CurrencyRecharge", &gold, &token).await;
    budget.record("POST CurrencyRecharge (gold)", 4, reply.status, 200);
    let reply = h.write("CurrencyConsume", &gold, &token).await;
    budget.record("POST CurrencyConsume (gold)", 4, reply.status, 200);
    // Both balances read, one transaction of both and their entries.
    let exchange = json!({"fromCurrency": "points", "currency": "gold", "balance": 200});
    let reply = h.write("CurrencyExchange", &exchange, &token).await;
    budget.record("POST CurrencyExchange", 5, reply.status, 200);
    // The app with the user, then one Query of the currency's log.
    let reply = h.transactions("?curCode=gold", &token).await;
    budget.record("GET CurrencyTransactions?curCode=", 2, reply.status, 200);
    // All currencies: the points' log and the others', at once.
    let reply = h.transactions("", &token).await;
    budget.record("GET CurrencyTransactions", 3, reply.status, 200);
    budget.finish();
}
