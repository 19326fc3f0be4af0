//! What the measured requests need in the table, made directly through the
//! store: an app with a mini-program, a user with a union id, a few point
//! entries, a QR key, and a user with a password (the one hash of the
//! fixture, for the sign-in's timing).

use oauthapp_shared::Services;
use oauthapp_shared::auth::password;
use oauthapp_shared::domain::qr::QrRequest;
use oauthapp_shared::domain::session::{Client, SignInMethod};
use oauthapp_shared::domain::{AppCard, QrMode, Secret, WechatAccount, clock};
use oauthapp_shared::flows::session::{self, SignIn};
use oauthapp_shared::store::{AppChanges, NewApp, NewUser, schema};
use testkit::fake_wechat::vector_b;

use crate::Failure;
use crate::event::Event;

/// Seconds the QR key lives: longer than any run, so it never expires mid-way.
const QR_KEY_LIFETIME: i64 = 6 * 3600;

/// The password user's name and password.
pub const PASSWORD_USER: (&str, &str) = ("bench-password", "bench-password-1");

/// The provisioned app, its user's token and a QR key of the app.
pub struct Fixture {
    app_id: String,
    app_key: String,
    token: String,
    qr_key: u64,
    /// The PHC string of the password user's password.
    pub password_hash: String,
}

impl Fixture {
    /// Creates the table if needed, then everything the events name.
    pub async fn provision(services: &Services) -> Result<Self, Failure> {
        let store = &services.store;
        schema::ensure_table(store.client(), store.table())
            .await
            .map_err(|err| {
                format!("DynamoDB Local does not answer (start it with scripts/ddb-local.sh): {err}")
            })?;
        let now = clock::now();
        let card = AppCard {
            name: "bench".into(),
            scopes: "openid".into(),
            ..AppCard::default()
        };
        let new_app = NewApp {
            card,
            ..NewApp::default()
        };
        let app = store.create_app(new_app, now).await?;
        let mini_program = AppChanges {
            wechat_mini_program: Some(WechatAccount {
                app_id: vector_b::APP_ID.into(),
                // Decrypt never calls WeChat.
                secret: Secret::new("unused"),
            }),
            // The scan benchmark scans one key again and again, as a legacy
            // app allows; a strict app's first scan claims it.
            qr_mode: Some(QrMode::Legacy),
            // Every invocation comes from one address: an allowance no run
            // reaches, so each still pays the count it would in AWS.
            rate_limit_per_ip: Some(u32::MAX),
            ..AppChanges::default()
        };
        let app = store
            .update_app(app.id, mini_program)
            .await?
            .ok_or("the app just created is gone")?;
        let new_user = NewUser {
            platform: "web".into(),
            union_id: Some("bench-user".into()),
            nick_name: "bench".into(),
            ..NewUser::default()
        };
        let user = store.create_user(app.id, new_user, now).await?;
        for (amount, remark) in [(100, "welcome"), (-30, "spent"), (50, "bonus")] {
            store.change_points(app.id, user.id, amount, remark, now).await?;
        }
        let password_hash = password::hash(PASSWORD_USER.1);
        let password_user = NewUser {
            platform: "web".into(),
            user_name: Some(PASSWORD_USER.0.into()),
            password_hash: Some(password_hash.clone()),
            ..NewUser::default()
        };
        store.create_user(app.id, password_user, now).await?;
        let client = Client {
            source_ip: "127.0.0.1".into(),
            user_agent: "bench".into(),
        };
        let sign_in = SignIn {
            app: &app,
            user: &user,
            method: SignInMethod::UnionId,
            client: &client,
            binding: None,
        };
        let token = session::start(services, sign_in).await?.access_token;
        let qr_request = QrRequest {
            scopes: "openid".into(),
            remark: "bench".into(),
            scheme: "app".into(),
        };
        let qr_key = store
            .create_qr_key(app.id, qr_request, None, now, QR_KEY_LIFETIME)
            .await?
            .key;
        Ok(Self {
            app_id: app.id.to_string(),
            app_key: app.key,
            token,
            qr_key,
            password_hash,
        })
    }

    /// `POST /api/AppUsers/{appId}/SignIn` of the password user, right password.
    pub fn sign_in(&self) -> Event {
        let (user_name, pwd) = PASSWORD_USER;
        Event::recorded(include_str!("../../events/account-signin.json"))
            .at(&[("appId", &self.app_id)])
            .body(&serde_json::json!({"userName": user_name, "pwd": pwd}).to_string())
    }

    /// `GET /api/AppUsers/{appId}/Profile`: one read.
    pub fn profile(&self) -> Event {
        Event::recorded(include_str!("../../events/account-profile-get.json"))
            .at(&[("appId", &self.app_id)])
            .bearer(&self.token)
    }

    /// `GET /api/AppUsers/{appId}/PointLog`: the user's totals and a page of three entries.
    pub fn point_log(&self) -> Event {
        Event::recorded(include_str!("../../events/account-pointlog.json"))
            .at(&[("appId", &self.app_id)])
            .query(&[("type", "0"), ("skip", "0"), ("take", "10")])
            .bearer(&self.token)
    }

    /// `GET /ExternalAccount/{appKey}`: the user's one binding.
    pub fn external_accounts(&self) -> Event {
        Event::recorded(include_str!("../../events/external-account-list.json"))
            .at(&[("appKey", &self.app_key)])
            .bearer(&self.token)
    }

    /// `POST /api/AppUsers/{appId}/QRCodeScan`: a 200 however often the key
    /// is scanned, as long as nobody confirms it.
    pub fn qr_scan(&self) -> Event {
        Event::recorded(include_str!("../../events/qr-auth-scan.json"))
            .at(&[("appId", &self.app_id)])
            .body(&format!(r#"{{"signInKey":{}}}"#, self.qr_key))
    }

    /// `POST /api/AppUsers/{appId}/QRCodeSignIn`: the web page's poll,
    /// a 409 until somebody confirms the key.
    pub fn qr_poll(&self) -> Event {
        Event::recorded(include_str!("../../events/qr-auth-signin.json"))
            .at(&[("appId", &self.app_id)])
            .body(&format!(r#"{{"signInKey":{}}}"#, self.qr_key))
    }

    /// `GET /Wechat/{appKey}/Decrypt` of test vector B: the app by key, then AES.
    pub fn decrypt(&self) -> Event {
        Event::recorded(include_str!("../../events/wechat-decrypt.json"))
            .at(&[("appKey", &self.app_key)])
            .query(&[
                ("encryptedData", vector_b::ENCRYPTED_DATA),
                ("iv", vector_b::IV),
                ("sessionKey", vector_b::SESSION_KEY),
            ])
    }
}
