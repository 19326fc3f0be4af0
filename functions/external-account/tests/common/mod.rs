//! The external-account and account handlers on a fresh app of their own,
//! over `testkit`: bindings, sign-ins and two-factor enrolment drive both.

#![allow(dead_code)] // Each test binary uses part of the harness.

use oauthapp_shared::store::{Binding, UnionIdProof};
use serde_json::{Value, json};
use testkit::Fixture;
pub use testkit::{Reply, decode_claims};

pub struct Harness {
    external: external_account::AppState,
    account: account::AppState,
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

    /// As `new`, with configuration variables set (e.g. the lockout threshold).
    pub async fn with_env(proof: UnionIdProof, vars: &[(&str, &str)]) -> Self {
        let (fixture, services) = testkit::fixture(proof, vars).await;
        let account = testkit::another_instance(&services);
        Self {
            external: external_account::AppState::new(services),
            account: account::AppState::new(account),
            fixture,
        }
    }

    /// Sends a request to whichever function serves `target`.
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> Reply {
        let body = body.map(Value::to_string);
        let request = testkit::request(method, target, body.as_deref(), headers);
        let response = if target.starts_with("/ExternalAccount/") {
            external_account::handle(&self.external, request).await
        } else {
            account::handle(&self.account, request).await
        };
        Reply::from_response(response)
    }

    /// `/ExternalAccount/{appKey}` followed by `rest`.
    pub fn external(&self, rest: &str) -> String {
        format!("/ExternalAccount/{}{rest}", self.app.key)
    }

    pub fn two_factor_path(&self) -> String {
        format!("/User/{}/TwoFactorAuth", self.app.key)
    }

    pub fn legacy(&self, endpoint: &str) -> String {
        format!("/api/AppUsers/{}/{endpoint}", self.app.id)
    }

    pub async fn with_token(&self, method: &str, target: &str, body: Option<&Value>, token: &str) -> Reply {
        self.send(method, target, body, &[testkit::bearer(token)]).await
    }

    /// POSTs `body` to `target` signed with the app secret, as the app's
    /// backend would, with `token` if given.
    pub async fn post_signed(&self, target: &str, body: &Value, token: Option<&str>) -> Reply {
        let mut headers = testkit::signature_headers(
            &self.app.secret,
            "POST",
            target,
            &body.to_string(),
            oauthapp_shared::clock::now(),
        );
        headers.extend(token.map(testkit::bearer));
        self.send("POST", target, Some(body), &headers).await
    }

    /// A user with a password; returns the token.
    pub async fn password_user(&self, user_name: &str) -> String {
        let body = json!({"userName": user_name, "pwd": "secret-1", "platform": "web"});
        self.send("POST", &self.legacy("SignUp"), Some(&body), &[])
            .await
            .token()
    }

    /// A user registered by union id only (no password); returns the token.
    pub async fn union_id_user(&self, platform: &str, union_id: &str) -> String {
        let body = json!({"platform": platform, "unionID": union_id});
        self.send("POST", &self.legacy("UnionIDSignUp"), Some(&body), &[])
            .await
            .token()
    }

    /// Binds (platform, unionID) to the token's user; the app takes the
    /// client's word (`UnionIdProof::None`).
    pub async fn bind(&self, token: &str, platform: &str, union_id: &str) -> Reply {
        let body = json!({
            "unionID": union_id,
            "platform": platform,
            "platformName": format!("{platform} account"),
            "avatar": "https://blob.example/a.png",
            "data": "{\"k\":1}"
        });
        self.with_token("POST", &self.external(""), Some(&body), token)
            .await
    }

    /// Turns binding `id` of the token's user on or off.
    pub async fn set_enabled(&self, token: &str, id: u64, enable: bool) -> Reply {
        let body = json!({ "enable": enable });
        self.with_token("PUT", &self.external(&format!("/{id}")), Some(&body), token)
            .await
    }

    /// The token user's bindings as GET lists them.
    pub async fn list(&self, token: &str) -> Vec<Value> {
        let reply = self.with_token("GET", &self.external(""), None, token).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.data().as_array().expect("an array").clone()
    }

    /// External-account sign-in with an optional two-factor code.
    pub async fn external_sign_in(&self, platform: &str, union_id: &str, code: Option<&str>) -> Reply {
        let mut body = json!({"unionID": union_id, "platform": platform});
        if let Some(code) = code {
            body["twoFactorCode"] = json!(code);
        }
        self.send("POST", &self.external("/SignIn"), Some(&body), &[])
            .await
    }

    /// The user id a token speaks for.
    pub fn user_id(&self, token: &str) -> u64 {
        decode_claims(token)["nameid"].as_str().unwrap().parse().unwrap()
    }

    /// The user's bindings as stored.
    pub async fn stored_bindings(&self, token: &str) -> Vec<Binding> {
        self.store
            .bindings(self.app.id, self.user_id(token))
            .await
            .unwrap()
    }
}

/// The code an authenticator holding the base32 `key` shows at unix `time`.
pub fn code_at(key: &str, time: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(key).expect("a base32 key");
    totp_rs::Builder::new()
        .with_secret(secret.as_ref().to_vec())
        .build()
        .expect("RFC 6238 defaults")
        .generate(time as u64)
        .to_string()
}

impl Harness {
    /// Enrols the token's user and turns two-factor sign-in on with the
    /// code of the current step; returns the base32 key.
    pub async fn turn_on_two_factor(&self, token: &str) -> String {
        let enrolment = self.with_token("GET", &self.two_factor_path(), None, token).await;
        assert_eq!(enrolment.status, 200, "{enrolment:?}");
        let key = enrolment.data()["manualEntryKey"].as_str().unwrap().to_owned();
        let code = code_at(&key, oauthapp_shared::clock::now());
        let on = self
            .with_token(
                "POST",
                &self.two_factor_path(),
                Some(&json!({"code": code})),
                token,
            )
            .await;
        assert_eq!(on.body, json!({"code": 200, "data": true, "error": ""}));
        key
    }
}
