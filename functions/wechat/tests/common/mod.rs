//! The wechat, account, external-account and qr-auth handlers on a fresh
//! app whose WeChat accounts live on a fake WeChat server of the test's
//! own. WeChat appids are random per harness: the token cache in the
//! shared test table is keyed by them.

#![allow(dead_code)] // Each test binary uses part of the harness.

use oauthapp_shared::store::{AppChanges, SecretText, UnionIdProof, WechatAccount};
use rand::RngExt;
use serde_json::Value;
use testkit::Fixture;
pub use testkit::Reply;
use testkit::fake_wechat::{FakeWechat, LoginSession};

pub const JS_API_LIST: [&str; 2] = ["updateAppMessageShareData", "chooseImage"];

pub struct Harness {
    wechat: wechat::AppState,
    account: account::AppState,
    external: external_account::AppState,
    qr: qr_auth::AppState,
    pub fake: FakeWechat,
    pub mini: WechatAccount,
    pub official: WechatAccount,
    fixture: Fixture,
}

/// The fixture's app, store, request counter and faults read as the harness's own.
impl std::ops::Deref for Harness {
    type Target = Fixture;

    fn deref(&self) -> &Fixture {
        &self.fixture
    }
}

fn random_hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap())
        .collect()
}

fn account() -> WechatAccount {
    WechatAccount {
        app_id: format!("wx{}", random_hex(16)),
        secret: SecretText::new(random_hex(32)),
    }
}

impl Harness {
    pub async fn new(proof: UnionIdProof) -> Self {
        let fake = FakeWechat::start().await;
        let (mut fixture, services) = testkit::fixture(proof, &[("WECHAT_API_BASE", &fake.uri())]).await;
        let (mini, official) = (account(), account());
        fake.add_app(&mini.app_id, mini.secret.expose());
        fake.add_app(&official.app_id, official.secret.expose());
        let changes = AppChanges {
            wechat_mini_program: Some(mini.clone()),
            wechat_official_account: Some(official.clone()),
            js_api_list: Some(JS_API_LIST.map(String::from).to_vec()),
            ..AppChanges::default()
        };
        fixture.app = fixture
            .store
            .update_app(fixture.app.id, changes)
            .await
            .expect("WeChat accounts")
            .expect("the app");
        fixture.requests.take();
        let another = || testkit::another_instance(&services);
        Self {
            account: account::AppState::new(another()),
            external: external_account::AppState::new(another()),
            qr: qr_auth::AppState::new(another()),
            wechat: wechat::AppState::new(services),
            fake,
            mini,
            official,
            fixture,
        }
    }

    /// Another instance of the wechat function (a cold start): its own
    /// memory, the same table.
    pub fn another_wechat_instance(&self) -> wechat::AppState {
        wechat::AppState::new(testkit::another_instance(&self.wechat.services))
    }

    /// Sends a request to whichever function serves `target`; a binary
    /// answer comes back as it is.
    pub async fn respond(
        &self,
        method: &str,
        target: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> lambda_http::Response<lambda_http::Body> {
        let body = body.map(Value::to_string);
        let request = testkit::request(method, target, body.as_deref(), headers);
        if target.starts_with("/ExternalAccount/") {
            external_account::handle(&self.external, request).await
        } else if target.contains("/QR") {
            qr_auth::handle(&self.qr, request).await
        } else if target.starts_with("/Wechat/") {
            wechat::handle(&self.wechat, request).await
        } else {
            account::handle(&self.account, request).await
        }
    }

    pub async fn send(
        &self,
        method: &str,
        target: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> Reply {
        Reply::from_response(self.respond(method, target, body, headers).await)
    }

    /// `/Wechat/{appKey}/` followed by `rest`.
    pub fn wechat(&self, rest: &str) -> String {
        format!("/Wechat/{}/{rest}", self.app.key)
    }

    pub fn legacy(&self, endpoint: &str) -> String {
        format!("/api/AppUsers/{}/{endpoint}", self.app.id)
    }

    pub fn external(&self, rest: &str) -> String {
        format!("/ExternalAccount/{}{rest}", self.app.key)
    }

    /// Signature headers of the app's backend for `method target body`.
    pub fn signed(&self, method: &str, target: &str, body: Option<&Value>) -> Vec<(&'static str, String)> {
        let body = body.map(Value::to_string).unwrap_or_default();
        testkit::signature_headers(
            &self.app.secret,
            method,
            target,
            &body,
            oauthapp_shared::clock::now(),
        )
    }

    /// As the app's backend.
    pub async fn backend(&self, method: &str, target: &str, body: Option<&Value>) -> Reply {
        self.send(method, target, body, &self.signed(method, target, body))
            .await
    }

    /// As a signed-in user.
    pub async fn user(&self, token: &str, method: &str, target: &str, body: Option<&Value>) -> Reply {
        self.send(method, target, body, &[testkit::bearer(token)]).await
    }

    /// A wx.login code of the mini-program for `openid` (and `unionid`).
    pub fn login_code(&self, openid: &str, unionid: Option<&str>) -> String {
        let code = format!("code{}", random_hex(28));
        self.fake.add_login_code(
            &self.mini.app_id,
            &code,
            LoginSession {
                openid: openid.to_owned(),
                session_key: format!("{}==", random_hex(22)),
                unionid: unionid.map(str::to_owned),
            },
        );
        code
    }

    /// `GET JSCode2Session` with `code`.
    pub async fn code_to_session(&self, code: &str) -> Reply {
        let target = self.wechat(&format!("JSCode2Session?js_code={code}"));
        self.send("GET", &target, None, &[]).await
    }

    /// Token fetches of the mini-program's access token so far.
    pub fn mini_token_fetches(&self) -> usize {
        self.fake.token_fetches(&self.mini.app_id)
    }
}
