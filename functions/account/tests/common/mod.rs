//! The account handler on a fresh app of its own, over `testkit`.

#![allow(dead_code, unused_imports)] // Each test binary uses part of the harness.

use account::{AppState, handle};
use oauthapp_shared::clock;
use oauthapp_shared::store::{App, Store, UnionIdProof};
use serde_json::{Value, json};
use testkit::Fixture;
pub use testkit::{ISSUER, Reply, RequestCounter, TEST_SECRET, decode_claims};

pub struct Harness {
    pub state: AppState,
    fixture: Fixture,
}

/// The fixture's app, store, request counter and faults read as the harness's own.
impl std::ops::Deref for Harness {
    type Target = Fixture;

    fn deref(&self) -> &Fixture {
        &self.fixture
    }
}

impl Harness {
    /// A fresh app whose union ids are proven as `proof` says.
    pub async fn new(proof: UnionIdProof) -> Self {
        Self::with_env(proof, &[]).await
    }

    /// As `new`, with configuration variables set (e.g. the lockout window).
    pub async fn with_env(proof: UnionIdProof, vars: &[(&str, &str)]) -> Self {
        let (fixture, services) = testkit::fixture(proof, vars).await;
        Self {
            state: AppState::new(services),
            fixture,
        }
    }

    pub fn path(&self, endpoint: &str) -> String {
        format!("/api/AppUsers/{}/{endpoint}", self.app.id)
    }

    pub async fn send(
        &self,
        method: &str,
        target: &str,
        body: Option<&str>,
        headers: &[(&str, String)],
    ) -> Reply {
        let request = testkit::request(method, target, body, headers);
        Reply::from_response(handle(&self.state, request).await)
    }

    pub async fn post(&self, endpoint: &str, body: &Value) -> Reply {
        self.send("POST", &self.path(endpoint), Some(&body.to_string()), &[])
            .await
    }

    /// POSTs `body` signed with the app secret, as the app's backend would.
    pub async fn post_signed(&self, endpoint: &str, body: &Value) -> Reply {
        let body = body.to_string();
        let headers = self.signature_headers("POST", &self.path(endpoint), &body, clock::now());
        self.send("POST", &self.path(endpoint), Some(&body), &headers)
            .await
    }

    pub fn signature_headers(
        &self,
        method: &str,
        path: &str,
        body: &str,
        timestamp: i64,
    ) -> Vec<(&'static str, String)> {
        testkit::signature_headers(&self.app.secret, method, path, body, timestamp)
    }

    pub async fn get_with_token(&self, target: &str, token: &str) -> Reply {
        self.send("GET", target, None, &[testkit::bearer(token)]).await
    }

    pub async fn put_with_token(&self, endpoint: &str, body: &Value, token: &str) -> Reply {
        self.send(
            "PUT",
            &self.path(endpoint),
            Some(&body.to_string()),
            &[testkit::bearer(token)],
        )
        .await
    }

    /// Signs up `user_name` with `pwd` and returns the token.
    pub async fn sign_up(&self, user_name: &str, pwd: &str) -> String {
        self.post(
            "SignUp",
            &json!({"userName": user_name, "pwd": pwd, "platform": "web"}),
        )
        .await
        .token()
    }

    pub async fn sign_in(&self, user_name: &str, pwd: &str) -> Reply {
        self.post("SignIn", &json!({"userName": user_name, "pwd": pwd}))
            .await
    }

    /// The user id a token speaks for.
    pub fn user_id(&self, token: &str) -> u64 {
        decode_claims(token)["nameid"].as_str().unwrap().parse().unwrap()
    }

    /// How many users the app has, read back from the store.
    pub async fn user_count(&self) -> usize {
        self.store
            .list_users(self.app.id, None, 1000)
            .await
            .unwrap()
            .users
            .len()
    }
}
