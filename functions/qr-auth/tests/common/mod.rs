//! The qr-auth handler on a fresh app of its own, over `testkit`.

#![allow(dead_code, unused_imports)] // Each test binary uses part of the harness.

use oauthapp_shared::clock;
use oauthapp_shared::store::{App, NewUser, Store, UnionIdProof};
use oauthapp_shared::token::GrantType;
use qr_auth::{AppState, handle};
use serde_json::{Value, json};
use testkit::Fixture;
pub use testkit::{Reply, RequestCounter, decode_claims};

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
    pub async fn new(proof: UnionIdProof) -> Self {
        Self::with_env(proof, &[]).await
    }

    pub async fn with_env(proof: UnionIdProof, vars: &[(&str, &str)]) -> Self {
        let (fixture, services) = testkit::fixture(proof, vars).await;
        Self {
            state: AppState::new(services),
            fixture,
        }
    }

    pub fn legacy(&self, endpoint: &str) -> String {
        format!("/api/AppUsers/{}/{endpoint}", self.app.id)
    }

    pub fn v1(&self, endpoint: &str) -> String {
        format!("/Wechat/{}/QR-Auth/{endpoint}", self.app.key)
    }

    pub async fn post(&self, path: &str, body: &Value, headers: &[(&str, String)]) -> Reply {
        let request = testkit::request("POST", path, Some(&body.to_string()), headers);
        Reply::from_response(handle(&self.state, request).await)
    }

    /// POSTs `body` signed with the app secret, as the app's backend would.
    pub async fn post_signed(&self, path: &str, body: &Value) -> Reply {
        let text = body.to_string();
        let headers = testkit::signature_headers(&self.app.secret, "POST", path, &text, clock::now());
        self.post(path, body, &headers).await
    }

    /// A key from the legacy pre-sign-in, with the seed's body.
    pub async fn new_key(&self) -> u64 {
        let body = json!({"scopes": "laboris", "remark": "ad amet laboris", "scheme": "app"});
        let reply = self.post(&self.legacy("QRCodePreSignIn"), &body, &[]).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.data().as_u64().expect("an integer signInKey")
    }

    pub async fn scan(&self, key: u64) -> Reply {
        self.post(&self.legacy("QRCodeScan"), &json!({"signInKey": key}), &[])
            .await
    }

    pub async fn poll(&self, key: u64) -> Reply {
        self.post(&self.legacy("QRCodeSignIn"), &json!({"signInKey": key}), &[])
            .await
    }

    /// A user of the app and a token for them.
    pub async fn user_with_token(&self, union_id: &str) -> (u64, String) {
        let new_user = NewUser {
            platform: "wxminip".into(),
            union_id: Some(union_id.into()),
            nick_name: "微信用户".into(),
            ..NewUser::default()
        };
        let user = self
            .store
            .create_user(self.app.id, new_user, clock::now())
            .await
            .unwrap();
        let token = self
            .state
            .services
            .tokens
            .issue(&self.app, &user, GrantType::UnionId)
            .unwrap();
        (user.id, token.access_token)
    }

    /// `QR-Auth/Confirm-Login` of `key` as the user of `token`.
    pub async fn confirm_login(&self, key: u64, token: &str) -> Reply {
        self.post(
            &self.v1("Confirm-Login"),
            &json!({"signInKey": key}),
            &[testkit::bearer(token)],
        )
        .await
    }

    /// Scans `key` and confirms it for a new user with `union_id`.
    pub async fn confirm_for_new_user(&self, key: u64, union_id: &str) {
        self.scan(key).await;
        let (_, token) = self.user_with_token(union_id).await;
        self.confirm_login(key, &token).await.token();
    }

    pub async fn user_count(&self) -> usize {
        self.store
            .list_users(self.app.id, None, 1000)
            .await
            .unwrap()
            .users
            .len()
    }

    pub fn user_id(token: &str) -> u64 {
        decode_claims(token)["nameid"].as_str().unwrap().parse().unwrap()
    }
}
