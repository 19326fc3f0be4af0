//! The external-account function on `testkit::Harness`, with the helpers
//! of its own routes: binding, listing, enabling and signing in with
//! external accounts. Users and two-factor sign-in are set up through the
//! store, as the account function would have made them.

use oauthapp_shared::domain::Binding;
use serde_json::{Value, json};
use testkit::Reply;

testkit::function_harness!(external_account::routes);

impl Harness {
    /// `/ExternalAccount/{appKey}` followed by `rest`.
    pub fn external(&self, rest: &str) -> String {
        self.v1("ExternalAccount", rest)
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
        self.send_json("POST", &self.external("/SignIn"), Some(&body), &[])
            .await
    }

    /// The user's bindings as stored.
    pub async fn stored_bindings(&self, token: &str) -> Vec<Binding> {
        self.store
            .bindings(self.app.id, self.user_id(token))
            .await
            .unwrap()
    }
}
