//! The user-currency function's integration tests: the v1 ledger on a
//! fresh app in DynamoDB Local with currencies and rates as an operator
//! sets them, writes signed as the app's backend signs them.

mod attacks;
mod inputs;
mod ledger;
mod request_counts;

use oauthapp_shared::auth::signature::{self, Covered};
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::clock;
use oauthapp_shared::domain::currency::{AppCurrencies, ExchangeRate};
use oauthapp_shared::store::{AppChanges, NewUser};
use serde_json::Value;
use testkit::Reply;

testkit::function_harness!(user_currency::routes);

/// The app's currencies besides the points, and its rates.
pub const CURRENCIES: [&str; 2] = ["gold", "gems"];
pub const RATES: [&str; 2] = ["points:gold=100", "gold:points=1/100"];

/// A query's signed values: what a backend adds to the query it signs.
pub struct Signing<'a> {
    pub nonce: String,
    pub timestamp: i64,
    /// The token the backend signs for (the Authorization header it covers).
    pub token: &'a str,
}

impl<'a> Signing<'a> {
    pub fn now(token: &'a str) -> Self {
        Self {
            nonce: fresh_nonce(),
            timestamp: clock::now(),
            token,
        }
    }
}

pub fn fresh_nonce() -> String {
    format!("n{:031x}", rand_u128())
}

fn rand_u128() -> u128 {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let time = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    time ^ (u128::from(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) << 64)
}

impl Harness {
    /// The function on a fresh app with `CURRENCIES` and `RATES`.
    pub async fn with_currencies() -> Self {
        let mut currencies = AppCurrencies::default();
        for code in CURRENCIES {
            currencies.add(code).unwrap();
        }
        for rate in RATES {
            currencies.set_rate(ExchangeRate::parse(rate).unwrap()).unwrap();
        }
        let changes = AppChanges {
            currencies: Some(currencies),
            ..AppChanges::default()
        };
        Self::new(UnionIdProof::Signature).await.changed(changes).await
    }

    /// A new user and their token.
    pub async fn user(&self) -> (u64, String) {
        let (user, token) = self
            .create_user(NewUser {
                platform: "web".into(),
                ..NewUser::default()
            })
            .await;
        (user.id, token)
    }

    /// The target of a signed write `op` with `extra` query parameters
    /// (`userId=…`), signed as the client sends it: nonce, timestamp,
    /// signature, then the rest; the signature covers the query less itself.
    pub fn signed_target(&self, op: &str, extra: &str, body: &str, signing: &Signing<'_>) -> String {
        let path = self.v1("UserCurrency", &format!("/{op}"));
        let head = format!("nonce={}&timestamp={}", signing.nonce, signing.timestamp);
        let tail = if extra.is_empty() {
            String::new()
        } else {
            format!("&{extra}")
        };
        let authorization = format!("Bearer {}", signing.token);
        let covered = Covered {
            method: "POST",
            target: &format!("{path}?{head}{tail}"),
            authorization: authorization.as_bytes(),
            body: body.as_bytes(),
        };
        let sig = signature::sign(
            &self.app.secret,
            &signing.timestamp.to_string(),
            &signing.nonce,
            &covered,
        );
        format!("{path}?{head}&signature={sig}{tail}")
    }

    /// POSTs `body` to `op` signed for `token` now, sent with `token`.
    pub async fn write(&self, op: &str, body: &Value, token: &str) -> Reply {
        let text = body.to_string();
        let target = self.signed_target(op, "", &text, &Signing::now(token));
        self.send_as(&target, &text, token).await
    }

    /// POSTs `body` to `target` as it is, with `token`.
    pub async fn send_as(&self, target: &str, body: &str, token: &str) -> Reply {
        self.send("POST", target, Some(body), &[testkit::bearer(token)])
            .await
    }

    /// `GET {id}?…`: the user's balances.
    pub async fn balances(&self, id: &str, query: &str, token: &str) -> Reply {
        let target = self.v1("UserCurrency", &format!("/{id}{query}"));
        self.with_token("GET", &target, None, token).await
    }

    /// The user's balance of `code`, as the balance list shows it.
    pub async fn balance(&self, user_id: u64, code: &str, token: &str) -> i64 {
        let reply = self.balances(&user_id.to_string(), "", token).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply
            .data()
            .as_array()
            .unwrap()
            .iter()
            .find(|balance| balance["currencyCode"] == code)
            .map_or(0, |balance| balance["balance"].as_i64().unwrap())
    }

    /// `GET CurrencyTransactions?query`.
    pub async fn transactions(&self, query: &str, token: &str) -> Reply {
        let target = self.v1("UserCurrency", &format!("/CurrencyTransactions{query}"));
        self.with_token("GET", &target, None, token).await
    }
}
