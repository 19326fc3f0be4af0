//! The account function on a fresh app of its own, over `testkit::Harness`:
//! what is left here is the account's own shorthand, by legacy endpoint name.

use oauthapp_shared::domain::PasswordPolicy;
use oauthapp_shared::store::AppChanges;
use serde_json::{Value, json};
use testkit::Reply;

testkit::function_harness!(account::routes);

/// A password every app takes: long enough, not common, not a user name.
pub const GOOD_PASSWORD: &str = "sunlit-meadow-42";

impl Harness {
    /// The harness with its app on password policy `policy` (new apps are
    /// standard; the seed's sample password needs legacy).
    pub async fn on_password_policy(self, policy: PasswordPolicy) -> Self {
        self.changed(AppChanges {
            password_policy: Some(policy),
            ..AppChanges::default()
        })
        .await
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
