//! The one harness of every function's integration tests: the function
//! under test, built from its own route table as Lambda builds it, on a
//! fresh app of its own in DynamoDB Local. A request whose route the
//! function does not declare gets the function's own 404, as in AWS.

use lambda_http::{Body, Request, Response};
use oauthapp_shared::Services;
use oauthapp_shared::auth::token::{Claims, GrantType, TokenModel};
use oauthapp_shared::auth::two_factor;
use oauthapp_shared::delivery::{Delivery, TencentSms};
use oauthapp_shared::domain::session::{Client, SignInMethod};
use oauthapp_shared::domain::verification::{Purpose, Recipient};
use oauthapp_shared::domain::{Inherited, Secret, UnionIdProof, User, WechatAccount, clock};
use oauthapp_shared::flows::session::{self, SignIn};
use oauthapp_shared::flows::verification;
use oauthapp_shared::http::Routes;
use oauthapp_shared::http::function::Function;
use oauthapp_shared::store::{AppChanges, EndingOthers, EnrolmentStart, NewUser};
use rand::RngExt;
use serde_json::Value;

use crate::fake_wechat::{FakeWechat, LoginSession};
use crate::{Fixture, Reply, decode_claims};

/// The JS-SDK APIs of apps with WeChat accounts.
pub const JS_API_LIST: [&str; 2] = ["updateAppMessageShareData", "chooseImage"];

/// The app's WeChat accounts, on a fake WeChat of the harness's own. Their
/// appids are random: the shared token cache in the test table is keyed by them.
pub struct WechatAccounts {
    pub fake: FakeWechat,
    pub mini: WechatAccount,
    pub official: WechatAccount,
}

pub struct Harness {
    routes: fn() -> Routes,
    function: Function,
    fixture: Fixture,
    wechat: Option<WechatAccounts>,
    /// The senders of verification codes, on the emulators, if the harness
    /// is `sending_codes`: every instance gets them.
    delivery: Option<Delivery>,
}

/// The From address of the tests' deployment (`EMAIL_SENDER`).
pub const EMAIL_SENDER: &str = "no-reply@oauthapp.test";

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

fn wechat_account() -> WechatAccount {
    WechatAccount {
        app_id: format!("wx{}", random_hex(16)),
        secret: Secret::new(random_hex(32)),
    }
}

impl Harness {
    /// The function of `routes` on a fresh app whose union ids are proven
    /// as `proof` says.
    pub async fn new(routes: fn() -> Routes, proof: UnionIdProof) -> Self {
        Self::with_env(routes, proof, &[]).await
    }

    /// As `new`, with configuration variables set (e.g. the lockout window).
    pub async fn with_env(routes: fn() -> Routes, proof: UnionIdProof, vars: &[(&str, &str)]) -> Self {
        let (fixture, services) = crate::fixture(proof, vars).await;
        Self {
            routes,
            function: Function::new(services, routes()),
            fixture,
            wechat: None,
            delivery: None,
        }
    }

    /// As `with_env`, for a function that sends verification codes: through
    /// the SES and SNS emulators, and Tencent Cloud SMS at `tencent`.
    pub async fn sending_codes(
        routes: fn() -> Routes,
        proof: UnionIdProof,
        vars: &[(&str, &str)],
        tencent: TencentSms,
    ) -> Self {
        let (fixture, services) = crate::fixture(proof, vars).await;
        let delivery = crate::emulators::delivery(tencent, Some(EMAIL_SENDER.to_owned())).await;
        Self {
            routes,
            function: Function::new(services.with_delivery(delivery.clone()), routes()),
            fixture,
            wechat: None,
            delivery: Some(delivery),
        }
    }

    /// As `new`, for an app with a mini-program and an official account on
    /// a fake WeChat server of the test's own.
    pub async fn with_wechat(routes: fn() -> Routes, proof: UnionIdProof) -> Self {
        let fake = FakeWechat::start().await;
        let (mut fixture, services) = crate::fixture(proof, &[("WECHAT_API_BASE", &fake.uri())]).await;
        let (mini, official) = (wechat_account(), wechat_account());
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
        Self {
            routes,
            function: Function::new(services, routes()),
            fixture,
            wechat: Some(WechatAccounts { fake, mini, official }),
            delivery: None,
        }
    }

    /// Changes the harness's app (e.g. its QR mode), as the operator would.
    pub async fn change_app(&mut self, changes: AppChanges) {
        self.fixture.app = self
            .fixture
            .store
            .update_app(self.fixture.app.id, changes)
            .await
            .expect("app changes")
            .expect("the app");
        self.fixture.requests.take();
    }

    pub fn services(&self) -> &Services {
        &self.function.services
    }

    /// The app's WeChat accounts; the harness must be `with_wechat`.
    pub fn wechat(&self) -> &WechatAccounts {
        self.wechat.as_ref().expect("a harness made with_wechat")
    }

    /// Another instance of the function (a cold start): the same
    /// configuration and table, none of this one's memory.
    pub fn another_instance(&self) -> Function {
        let services = crate::another_instance(self.services());
        let services = match &self.delivery {
            Some(delivery) => services.with_delivery(delivery.clone()),
            None => services,
        };
        Function::new(services, (self.routes)())
    }

    /// The function's response to a request as API Gateway delivers it;
    /// `body` is sent verbatim.
    pub async fn respond(
        &self,
        method: &str,
        target: &str,
        body: Option<&str>,
        headers: &[(&str, String)],
    ) -> Response<Body> {
        self.answer(crate::request(method, target, body, headers)).await
    }

    /// The function's response to a request built beforehand (e.g.
    /// `testkit::binary_request`).
    pub async fn answer(&self, request: Request) -> Response<Body> {
        self.function.answer(request).await
    }

    /// As `send`, from a client at `source_ip`; the response whole, for
    /// its headers.
    pub async fn respond_from(
        &self,
        source_ip: &str,
        method: &str,
        target: &str,
        body: Option<&str>,
        headers: &[(&str, String)],
    ) -> Response<Body> {
        self.answer(crate::request_from(source_ip, method, target, body, headers))
            .await
    }

    /// As `respond`, the envelope parsed.
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        body: Option<&str>,
        headers: &[(&str, String)],
    ) -> Reply {
        Reply::from_response(self.respond(method, target, body, headers).await)
    }

    /// As `send`, with a JSON body.
    pub async fn send_json(
        &self,
        method: &str,
        target: &str,
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> Reply {
        let body = body.map(Value::to_string);
        self.send(method, target, body.as_deref(), headers).await
    }

    /// `/api/AppUsers/{appId}/` followed by `endpoint`.
    pub fn legacy(&self, endpoint: &str) -> String {
        format!("/api/AppUsers/{}/{endpoint}", self.app.id)
    }

    /// `/{group}/{appKey}` followed by `rest`, e.g. `v1("Wechat", "/JSConfig")`.
    pub fn v1(&self, group: &str, rest: &str) -> String {
        format!("/{group}/{}{rest}", self.app.key)
    }

    /// Signature headers of the app's backend for `method target body`,
    /// sent without an `Authorization` header, at `timestamp`.
    pub fn signature_headers(
        &self,
        method: &str,
        target: &str,
        body: &str,
        timestamp: i64,
    ) -> Vec<(&'static str, String)> {
        crate::signature_headers(&self.app.secret, method, target, body, None, timestamp)
    }

    /// Signature headers of the app's backend for `method target body`,
    /// sent without an `Authorization` header, now.
    pub fn signed(&self, method: &str, target: &str, body: Option<&Value>) -> Vec<(&'static str, String)> {
        let body = body.map(Value::to_string).unwrap_or_default();
        self.signature_headers(method, target, &body, clock::now())
    }

    /// POSTs `body` signed with the app secret, as the app's backend would,
    /// with `token` if given.
    pub async fn post_signed(&self, target: &str, body: &Value, token: Option<&str>) -> Reply {
        let bearer = token.map(crate::bearer);
        let authorization = bearer.as_ref().map(|(_, value)| value.as_str());
        let text = body.to_string();
        let mut headers = crate::signature_headers(
            &self.app.secret,
            "POST",
            target,
            &text,
            authorization,
            clock::now(),
        );
        headers.extend(bearer);
        self.send("POST", target, Some(&text), &headers).await
    }

    /// As a signed-in user.
    pub async fn with_token(&self, method: &str, target: &str, body: Option<&Value>, token: &str) -> Reply {
        self.send_json(method, target, body, &[crate::bearer(token)])
            .await
    }

    /// A user created in the store, as another function would have signed
    /// them up, and a token of a session of theirs.
    pub async fn create_user(&self, new_user: NewUser) -> (User, String) {
        let user = self
            .store
            .create_user(self.app.id, new_user, clock::now())
            .await
            .expect("a new user");
        let token = self.start_session(&user).await;
        (user, token.access_token)
    }

    /// A token of the same user and session as `token`, its claims changed
    /// by `change` (an older sign-in, a nearer expiry).
    pub async fn token_like(&self, token: &str, change: impl FnOnce(&mut Claims)) -> String {
        let user = self
            .store
            .user(self.app.id, self.user_id(token))
            .await
            .unwrap()
            .expect("the token's user");
        let session_id = decode_claims(token)["sid"].as_str().map(str::to_owned);
        let now = clock::now();
        let limits = Inherited {
            auth_time: now,
            expires_at: now + 3_600,
        };
        let tokens = &self.services().tokens;
        let mut claims = tokens.claims(
            &self.app,
            &user,
            GrantType::UnionId,
            now,
            session_id.as_deref(),
            limits,
        );
        change(&mut claims);
        tokens.sign(&claims).unwrap().access_token
    }

    /// A new session of `user`, as a union-id sign-in starts it: its tokens.
    pub async fn start_session(&self, user: &User) -> TokenModel {
        let client = Client {
            source_ip: crate::LOCAL_SOURCE_IP.to_owned(),
            user_agent: "testkit".to_owned(),
        };
        let sign_in = SignIn {
            app: &self.app,
            user,
            method: SignInMethod::UnionId,
            client: &client,
            binding: None,
        };
        session::start(&self.setup_services(), sign_in)
            .await
            .expect("a session")
    }

    /// Services over the fixture's store, for setting a test up as another
    /// function would: what they do is not the function's, and the record
    /// of its DynamoDB requests (`dynamodb_usage`) leaves it out.
    pub fn setup_services(&self) -> Services {
        Services::with_store(self.services().config.clone(), self.store.clone())
    }

    /// Sends a code of `purpose` to `recipient` as the verification
    /// function does, through the emulators, and reads it back from what
    /// they delivered.
    pub async fn code_sent_to(&self, purpose: Purpose, recipient: &Recipient) -> String {
        let delivery =
            crate::emulators::delivery(crate::emulators::no_tencent(), Some(EMAIL_SENDER.to_owned())).await;
        let services = self.setup_services().with_delivery(delivery);
        let before = crate::emulators::texts_to(recipient).await.len();
        verification::send_code(&services, &self.app, recipient, purpose)
            .await
            .expect("a code sent");
        let texts = crate::emulators::texts_to(recipient).await;
        assert_eq!(texts.len(), before + 1, "one message more: {texts:?}");
        crate::emulators::code_in(texts.last().expect("the message"))
    }

    /// A user with a password; their token.
    pub async fn password_user(&self, user_name: &str, pwd: &str) -> String {
        let new_user = NewUser {
            platform: "web".into(),
            user_name: Some(user_name.into()),
            password_hash: Some(oauthapp_shared::auth::password::hash(pwd)),
            ..NewUser::default()
        };
        self.create_user(new_user).await.1
    }

    /// A user known only by (platform, unionID); their id and token.
    pub async fn union_id_user(&self, platform: &str, union_id: &str) -> (u64, String) {
        let new_user = NewUser {
            platform: platform.into(),
            union_id: Some(union_id.into()),
            nick_name: "微信用户".into(),
            ..NewUser::default()
        };
        let (user, token) = self.create_user(new_user).await;
        (user.id, token)
    }

    /// Turns two-factor sign-in on for the token's user, as enrolling
    /// through `/User/{appKey}/TwoFactorAuth` does; the base32 key.
    pub async fn turn_on_two_factor(&self, token: &str) -> String {
        let user_id = self.user_id(token);
        let store = &self.store;
        let user = store.user(self.app.id, user_id).await.unwrap().expect("the user");
        let secret = two_factor::new_secret();
        let sealed = self.services().totp_secrets().unwrap().seal(&user, &secret);
        let started = store
            .start_two_factor_enrolment(self.app.id, user_id, &sealed)
            .await
            .unwrap();
        assert_eq!(started, EnrolmentStart::Started);
        let key = two_factor::enrolment(secret.clone(), &self.app, &user)
            .unwrap()
            .manual_entry_key;
        // Confirmed with the code the authenticator shows now, which that spends.
        let now = clock::now();
        let step = two_factor::matching_step(secret, &code_at(&key, now), now)
            .unwrap()
            .expect("the current code matches");
        // As the endpoint does: the token's session stays, the others end.
        let session_id = decode_claims(token)["sid"].as_str().map(str::to_owned);
        let ending = EndingOthers {
            keep: session_id.as_deref(),
            now,
        };
        assert!(
            store
                .turn_on_two_factor(self.app.id, user_id, &sealed, step, ending)
                .await
                .unwrap()
        );
        key
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

    /// A wx.login code of the mini-program for `openid` (and `unionid`).
    pub fn login_code(&self, openid: &str, unionid: Option<&str>) -> String {
        let wechat = self.wechat();
        let code = format!("code{}", random_hex(28));
        wechat.fake.add_login_code(
            &wechat.mini.app_id,
            &code,
            LoginSession {
                openid: openid.to_owned(),
                session_key: format!("{}==", random_hex(22)),
                unionid: unionid.map(str::to_owned),
            },
        );
        code
    }
}

/// A six-digit code that is not the one `key` shows at unix `time`.
pub fn wrong_code(key: &str, time: i64) -> &'static str {
    if code_at(key, time) == "000000" {
        "111111"
    } else {
        "000000"
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

/// The harness of one function's tests: `Harness(testkit::Harness)` for
/// the function of `$routes`, reading as the testkit harness, with its
/// constructors; the function's own helpers go in an `impl Harness` beside.
#[macro_export]
macro_rules! function_harness {
    ($routes:path) => {
        pub struct Harness($crate::Harness);

        impl std::ops::Deref for Harness {
            type Target = $crate::Harness;

            fn deref(&self) -> &$crate::Harness {
                &self.0
            }
        }

        impl Harness {
            /// The function on a fresh app whose union ids are proven as `proof` says.
            pub async fn new(proof: oauthapp_shared::domain::UnionIdProof) -> Self {
                Self($crate::Harness::new($routes, proof).await)
            }

            /// As `new`, with configuration variables set (e.g. the lockout window).
            pub async fn with_env(
                proof: oauthapp_shared::domain::UnionIdProof,
                vars: &[(&str, &str)],
            ) -> Self {
                Self($crate::Harness::with_env($routes, proof, vars).await)
            }

            /// As `new`, for an app with WeChat accounts on a fake WeChat server.
            pub async fn with_wechat(proof: oauthapp_shared::domain::UnionIdProof) -> Self {
                Self($crate::Harness::with_wechat($routes, proof).await)
            }

            /// The harness with its app changed as the operator would
            /// (e.g. its QR mode or password policy).
            pub async fn changed(mut self, changes: oauthapp_shared::store::AppChanges) -> Self {
                self.0.change_app(changes).await;
                self
            }
        }
    };
}
