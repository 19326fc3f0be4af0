//! The `user-currency` function: the v1 ledger `/UserCurrency/{appKey}`,
//! the signed-in user's balance of each of the app's currencies (the
//! legacy points among them), their transactions, and the changes the
//! app's backend vouches for by signing the request: recharge, consume and
//! exchange at the operator's rates.

mod balances;
mod changes;
mod owner;
mod transactions;

use oauthapp_shared::http::{Bearer, BearerAndQuerySignature, Routes};

/// The routes this function serves, exactly as API Gateway routes them.
/// `CurrencyTransactions` is a fixed segment, so it is never read as an `{id}`.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .get("/UserCurrency/{appKey}/CurrencyTransactions", Bearer, transactions::currency_transactions)
        .get("/UserCurrency/{appKey}/{id}", Bearer, balances::balances)
        .post("/UserCurrency/{appKey}/CurrencyRecharge", BearerAndQuerySignature, changes::currency_recharge)
        .post("/UserCurrency/{appKey}/CurrencyConsume", BearerAndQuerySignature, changes::currency_consume)
        .post("/UserCurrency/{appKey}/CurrencyExchange", BearerAndQuerySignature, changes::currency_exchange)
}
