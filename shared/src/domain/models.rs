//! What the table stores, as the functions use it. Attribute names are the
//! camelCase field names; keys are added by `keys`.

use serde::{Deserialize, Serialize};

use super::app_property::AppProperties;
use super::currency::AppCurrencies;
use super::lockout::LockoutState;
use super::profile::{ProfileDetails, SignInSwitches};
use super::setting::words;
use super::verification::{Channel, VerificationSettings};
use super::{PasswordPolicy, Secret};

/// How an app's users prove a union id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnionIdProof {
    /// The app's backend signs the request with the app secret.
    #[default]
    Signature,
    /// A WeChat login code, exchanged server-side.
    WechatCode,
    /// The client's word, as the original service took it.
    None,
}

words!(UnionIdProof, "union-id proof", {
    Signature => "signature",
    WechatCode => "wechat_code",
    None => "none",
});

/// How an app's QR sign-in guards its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrMode {
    /// The web page proves it started the sign-in (a PKCE code verifier)
    /// and the first device to scan a key is the only one that may confirm it.
    #[default]
    Strict,
    /// The seed's flow: whoever knows the key may scan, confirm and poll it.
    Legacy,
}

words!(QrMode, "QR mode", {
    Strict => "strict",
    Legacy => "legacy",
});

/// The app card shown to users, as the operator sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppCard {
    pub name: String,
    pub logo: String,
    pub website: String,
    pub description: Option<String>,
    pub tags: Option<String>,
    pub scopes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct App {
    pub id: u64,
    pub key: String,
    /// Signs app-backend requests; never shown after creation.
    pub secret: Secret,
    pub tenant_id: String,
    pub tenant_name: String,
    #[serde(flatten)]
    pub card: AppCard,
    #[serde(default)]
    pub union_id_proof: UnionIdProof,
    #[serde(default)]
    pub password_policy: PasswordPolicy,
    /// Apps stored before QR modes existed read as strict.
    #[serde(default)]
    pub qr_mode: QrMode,
    /// The pages whose browsers may read the API's answers (CORS); none by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub web_origins: Vec<String>,
    /// Unauthenticated requests per route class, source address and minute;
    /// none: the deployment's `RATE_LIMIT_PER_IP_PER_MINUTE`; zero: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_ip: Option<u32>,
    /// Seconds the app's access tokens live; none: the seed's 86400.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_lifetime: Option<u32>,
    #[serde(flatten)]
    pub wechat: WechatSettings,
    /// Its senders of verification codes and whether sign-ups need them,
    /// one map attribute: the operator sets them together.
    #[serde(default)]
    pub verification: VerificationSettings,
    /// What v1 `App/{appKey}/Info` shows anyone besides the card; apps
    /// stored before properties existed read as having none.
    #[serde(default, skip_serializing_if = "AppProperties::is_empty")]
    pub properties: AppProperties,
    /// The v1 ledger's currencies besides the points, and exchange rates;
    /// apps stored before them have only the points.
    #[serde(default, skip_serializing_if = "AppCurrencies::is_empty")]
    pub currencies: AppCurrencies,
    pub created_at: i64,
}

/// The app's WeChat accounts, for the calls made on its behalf.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WechatSettings {
    #[serde(rename = "wechatMiniProgram", skip_serializing_if = "Option::is_none")]
    pub mini_program: Option<WechatAccount>,
    #[serde(rename = "wechatOfficialAccount", skip_serializing_if = "Option::is_none")]
    pub official_account: Option<WechatAccount>,
    /// The JS-SDK APIs pages of the official account may use (`wx.config`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub js_api_list: Vec<String>,
    /// Who may make the calls that spend the app's finite WeChat quotas.
    #[serde(default, rename = "wechatCallers")]
    pub callers: WechatCallers,
    /// How many of those calls each user may make per minute when
    /// `callers` is `Users`; `DEFAULT_USER_CALLS_PER_MINUTE` until set.
    #[serde(
        default,
        rename = "wechatUserCallsPerMinute",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_calls_per_minute: Option<u32>,
}

/// Quota calls each user may make per minute, unless the operator says otherwise.
pub const DEFAULT_USER_CALLS_PER_MINUTE: u32 = 10;

impl WechatSettings {
    pub fn user_calls_per_minute(&self) -> u32 {
        self.user_calls_per_minute
            .unwrap_or(DEFAULT_USER_CALLS_PER_MINUTE)
    }
}

/// Who may make the WeChat calls that spend an app's finite quotas (codes,
/// links, content checks, official-account lookups and messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WechatCallers {
    /// Only the app's backend, by the request signature.
    #[default]
    Backend,
    /// The backend, and signed-in users within a per-minute limit each.
    Users,
}

words!(WechatCallers, "WeChat callers", {
    Backend => "backend",
    Users => "users",
});

/// A WeChat appid and its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WechatAccount {
    pub app_id: String,
    pub secret: Secret,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub app_id: u64,
    pub id: u64,
    /// As the user typed it; uniqueness is case-insensitive.
    pub user_name: Option<String>,
    pub platform: String,
    pub union_id: Option<String>,
    pub phone: String,
    pub phone_is_valid: bool,
    pub email: String,
    pub email_is_valid: bool,
    pub nick_name: String,
    pub avatar: String,
    pub data: Option<String>,
    #[serde(flatten)]
    pub details: ProfileDetails,
    /// The date, as `Birthday` stores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    #[serde(flatten)]
    pub switches: SignInSwitches,
    pub role: String,
    pub has_password: bool,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(flatten)]
    pub points: PointTotals,
    /// Id of the user's newest external-account binding.
    #[serde(default)]
    pub binding_sequence: u64,
    /// The user's openid in the app's mini-program, as a WeChat login code
    /// last proved it: whom the user may send subscribe messages to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_open_id: Option<String>,
    /// The unionid that login code proved, when the mini-program is bound to
    /// an Open Platform account: which official-account followers are the
    /// user's. Unlike `union_id` it is never the client's word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wechat_union_id: Option<String>,
    #[serde(flatten)]
    pub two_factor: TwoFactorState,
    /// The ids of the user's live sessions, a string set the store adds to
    /// and takes from (see `store::sessions`); never written whole.
    #[serde(default, skip_serializing)]
    pub sessions: Vec<String>,
    /// The password of an account without a user name (one with a user
    /// name keeps it on that name's credential); written only by the store.
    #[serde(default, skip_serializing)]
    pub password_hash: Option<String>,
    /// When all the user's sessions were last ended at once: tokens from
    /// before sessions existed, issued until then, are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_ended_at: Option<i64>,
}

impl User {
    /// The user's address of `channel` as kept in the profile, and whether
    /// it is verified (and so theirs alone).
    pub fn address(&self, channel: Channel) -> (&str, bool) {
        match channel {
            Channel::Email => (&self.email, self.email_is_valid),
            Channel::Sms => (&self.phone, self.phone_is_valid),
        }
    }

    /// Whether an access token of session `session_id` (none for tokens
    /// issued before sessions existed), issued at `issued_at`, still speaks
    /// for the user.
    pub fn session_is_live(&self, session_id: Option<&str>, issued_at: i64) -> bool {
        match session_id {
            Some(id) => self.sessions.iter().any(|live| live == id),
            None => self.sessions_ended_at.is_none_or(|ended| issued_at > ended),
        }
    }
}

/// Two-factor sign-in of a user. Secrets are sealed (see `two_factor`)
/// and never leave the service once enrolment is confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorState {
    /// The confirmed secret; two-factor sign-in is on while it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
    /// A secret handed out for enrolment, not yet confirmed with a code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_pending: Option<String>,
    /// The newest time step whose code was accepted; older and equal steps
    /// are refused, so each code works once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_last_step: Option<u64>,
}

impl TwoFactorState {
    pub fn is_on(&self) -> bool {
        self.totp_secret.is_some()
    }
}

fn enabled() -> bool {
    true
}

/// An external account (another platform's unionID) bound to a user, in the
/// user's partition (see `keys::binding`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub id: u64,
    pub user_id: u64,
    pub platform: String,
    pub platform_name: String,
    pub union_id: String,
    pub avatar: String,
    pub data: String,
    pub enable: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The guard making a (platform, unionID) unique in an app (see
/// `keys::union_id`): who owns it, whether it may sign in, and its lockout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnionIdOwner {
    pub user_id: u64,
    /// Absent on guards written before bindings were listed.
    #[serde(default)]
    pub binding_id: u64,
    #[serde(default = "enabled")]
    pub enable: bool,
    #[serde(flatten)]
    pub lockout: LockoutState,
}

/// Running totals kept on the user item, written in the same transaction as
/// each point entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PointTotals {
    #[serde(default)]
    pub point_balance: i64,
    /// Number of entries, which is also the sequence of the newest.
    #[serde(default)]
    pub point_entries: u64,
    #[serde(default)]
    pub point_recharges: u64,
    #[serde(default)]
    pub point_consumptions: u64,
}

/// A point entry's kind, as PointLog's `type` numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointKind {
    Recharge = 1,
    Consume = 2,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PointEntry {
    pub id: u64,
    pub user_id: u64,
    /// Positive for a recharge, negative for a consumption.
    pub used: i64,
    pub remark: String,
    pub created_at: i64,
    /// The currency, absent for the points (all entries written before v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// What the v1 ledger was told besides the remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// The balance after the change; absent on entries written before v1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<i64>,
    /// Set on the two entries of an exchange; otherwise the sign says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange: Option<bool>,
}

/// The credential item of a user name (see `keys::login`); a union-id
/// guard reads as one without a password hash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Login {
    pub user_id: Option<u64>,
    pub password_hash: Option<String>,
    #[serde(flatten)]
    pub lockout: LockoutState,
}
