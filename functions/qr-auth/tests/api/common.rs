//! The qr-auth function over `testkit::Harness`, with the steps of its
//! QR-code flow.

use serde_json::{Value, json};
use testkit::Reply;

testkit::function_harness!(qr_auth::routes);

impl Harness {
    /// `/Wechat/{appKey}/QR-Auth/` followed by `endpoint`.
    pub fn v1(&self, endpoint: &str) -> String {
        self.0.v1("Wechat", &format!("/QR-Auth/{endpoint}"))
    }

    /// Every QR endpoint is a POST.
    pub async fn post(&self, path: &str, body: &Value, headers: &[(&str, String)]) -> Reply {
        self.send_json("POST", path, Some(body), headers).await
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

    /// A mini-program user of the app and a token for them.
    pub async fn user_with_token(&self, union_id: &str) -> (u64, String) {
        self.union_id_user("wxminip", union_id).await
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
}
