//! The account function on a fresh app of its own, over `testkit::Harness`:
//! what is left here is the account's own shorthand, by legacy endpoint name.

use oauthapp_shared::domain::UnionIdProof;
use serde_json::{Value, json};
use testkit::Reply;

pub struct Harness(testkit::Harness);

/// Everything generic (send, with_token, signed requests, users made
/// through the store, the fixture) is testkit's.
impl std::ops::Deref for Harness {
    type Target = testkit::Harness;

    fn deref(&self) -> &testkit::Harness {
        &self.0
    }
}

impl Harness {
    /// The account function on a fresh app whose union ids are proven as `proof` says.
    pub async fn new(proof: UnionIdProof) -> Self {
        Self(testkit::Harness::new(account::routes, proof).await)
    }

    /// As `new`, with configuration variables set (e.g. the lockout window).
    pub async fn with_env(proof: UnionIdProof, vars: &[(&str, &str)]) -> Self {
        Self(testkit::Harness::with_env(account::routes, proof, vars).await)
    }

    /// As `new`, for an app with WeChat accounts on a fake WeChat server.
    pub async fn with_wechat(proof: UnionIdProof) -> Self {
        Self(testkit::Harness::with_wechat(account::routes, proof).await)
    }

    /// The legacy path of `endpoint`, e.g. `path("SignIn")`.
    pub fn path(&self, endpoint: &str) -> String {
        self.legacy(endpoint)
    }

    /// `/User/{appKey}/TwoFactorAuth`.
    pub fn two_factor_path(&self) -> String {
        self.v1("User", "/TwoFactorAuth")
    }

    pub async fn post(&self, endpoint: &str, body: &Value) -> Reply {
        self.send_json("POST", &self.path(endpoint), Some(body), &[])
            .await
    }

    /// POSTs `body` to `endpoint` signed with the app secret, as the app's
    /// backend would (testkit's `post_signed` takes a whole target).
    pub async fn post_signed(&self, endpoint: &str, body: &Value) -> Reply {
        self.0.post_signed(&self.path(endpoint), body, None).await
    }

    pub async fn get_with_token(&self, target: &str, token: &str) -> Reply {
        self.with_token("GET", target, None, token).await
    }

    pub async fn put_with_token(&self, endpoint: &str, body: &Value, token: &str) -> Reply {
        self.with_token("PUT", &self.path(endpoint), Some(body), token)
            .await
    }

    /// Signs up `user_name` with `pwd` through the account's own SignUp and
    /// returns the token.
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
}
