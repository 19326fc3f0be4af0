//! The qr-auth function over `testkit::Harness`, with the steps of its
//! QR-code flow.

use oauthapp_shared::domain::QrMode;
use oauthapp_shared::store::AppChanges;
use serde_json::{Value, json};
use testkit::Reply;

testkit::function_harness!(qr_auth::routes);

/// The web page's PKCE code verifier and its S256 challenge (computed with Python's hashlib).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mJ92ZQu2Nd8gm5FYzXD9y1ue3MuFcI";
pub const CHALLENGE: &str = "SoedHVq6LzH5cOYOptjBvSMlRTRSaqgYOuiWBBOPZAQ";

impl Harness {
    /// The harness with its app in QR mode `mode` (new apps are strict).
    pub async fn in_qr_mode(self, mode: QrMode) -> Self {
        self.changed(AppChanges {
            qr_mode: Some(mode),
            ..AppChanges::default()
        })
        .await
    }

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

    /// A key bound to `VERIFIER`, as a strict app's page asks for one.
    pub async fn strict_key(&self) -> u64 {
        let body = json!({"scopes": "s", "codeChallenge": CHALLENGE, "codeChallengeMethod": "S256"});
        let reply = self.post(&self.legacy("QRCodePreSignIn"), &body, &[]).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.data().as_u64().expect("an integer signInKey")
    }

    pub async fn scan(&self, key: u64) -> Reply {
        self.scan_with(key, None).await
    }

    /// A scan presenting the scan ticket of an earlier scan, if any.
    pub async fn scan_with(&self, key: u64, ticket: Option<&str>) -> Reply {
        let body = json!({"signInKey": key, "scanTicket": ticket});
        self.post(&self.legacy("QRCodeScan"), &body, &[]).await
    }

    /// The scan ticket a scan answered.
    pub fn scan_ticket(&self, scan: &Reply) -> String {
        assert_eq!(scan.status, 200, "{scan:?}");
        self.scan_ticket_if_any(scan).expect("a scanTicket")
    }

    /// The scan ticket a scan answered, if any: a legacy app's scan has none.
    pub fn scan_ticket_if_any(&self, scan: &Reply) -> Option<String> {
        scan.data()
            .get("scanTicket")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    pub async fn poll(&self, key: u64) -> Reply {
        self.poll_with(key, None).await
    }

    /// The web page's poll, with its code verifier if any.
    pub async fn poll_with(&self, key: u64, verifier: Option<&str>) -> Reply {
        let body = json!({"signInKey": key, "codeVerifier": verifier});
        self.post(&self.legacy("QRCodeSignIn"), &body, &[]).await
    }

    /// A mini-program user of the app and a token for them.
    pub async fn user_with_token(&self, union_id: &str) -> (u64, String) {
        self.union_id_user("wxminip", union_id).await
    }

    /// `QR-Auth/Confirm-Login` of `key` as the user of `token`.
    pub async fn confirm_login(&self, key: u64, token: &str) -> Reply {
        self.confirm_login_with(key, token, None).await
    }

    /// `QR-Auth/Confirm-Login`, presenting the scan ticket if any.
    pub async fn confirm_login_with(&self, key: u64, token: &str, ticket: Option<&str>) -> Reply {
        let body = json!({"signInKey": key, "scanTicket": ticket});
        self.post(&self.v1("Confirm-Login"), &body, &[testkit::bearer(token)])
            .await
    }

    /// Scans `key` and confirms it for a new user with `union_id`.
    pub async fn confirm_for_new_user(&self, key: u64, union_id: &str) {
        self.scan(key).await;
        let (_, token) = self.user_with_token(union_id).await;
        self.confirm_login(key, &token).await.token();
    }
}
