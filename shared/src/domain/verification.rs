//! Verification codes, as rules: what a code is for, whom it goes to, how
//! long it lives, how many wrong tries void it, and how often one may be
//! sent. A code is six random digits, bound to (app, purpose, recipient),
//! used once, and kept only as a keyed hash.

use std::collections::BTreeMap;

use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::setting::words;
use super::{Error, validate};

/// What a code is asked for: the client's `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Proves an address a sign-up sets.
    SignUp,
    /// Signs in with an address instead of a password.
    SignIn,
    /// Sets a new password for a forgotten one.
    ForgetPwd,
    /// Proves the new address of `ResetEmail` / `ResetPhone`.
    Reset,
}

words!(Purpose, "code type", {
    SignUp => "signup",
    SignIn => "signin",
    ForgetPwd => "forgetpwd",
    Reset => "reset",
});

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::SignUp,
        Purpose::SignIn,
        Purpose::ForgetPwd,
        Purpose::Reset,
    ];
}

/// How a code travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// An address a code goes to, as one form of it: an email address in lower
/// case, or a phone number in E.164 (`+` and digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    channel: Channel,
    address: String,
}

/// The country code of an 11-digit number without one: the client's own
/// phone pattern is eleven digits, mainland China's mobile numbers.
const DEFAULT_COUNTRY_CODE: &str = "86";

impl Recipient {
    /// `email` as the client sent it; refused unless it is an address.
    pub fn email(email: &str) -> Result<Self, Error> {
        let email = email.trim();
        if email.is_empty() {
            return Err(Error::invalid("`email` is required."));
        }
        validate::email(email)?;
        Ok(Self {
            channel: Channel::Email,
            address: email.to_lowercase(),
        })
    }

    /// `phone` as the client sent it: eleven digits (a number of mainland
    /// China), or `+` with the country code and number (8 to 15 digits).
    pub fn phone(phone: &str) -> Result<Self, Error> {
        let phone = phone.trim();
        let refused = || {
            Error::invalid(
                "`phone` must be an 11-digit mobile number, or + with country code and number (8 to 15 digits, not starting with 0).",
            )
        };
        let digits_only = |digits: &str| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        let address = match phone.strip_prefix('+') {
            // E.164: no country code starts with 0.
            Some(international)
                if digits_only(international)
                    && (8..=15).contains(&international.len())
                    && !international.starts_with('0') =>
            {
                format!("+{international}")
            }
            None if digits_only(phone) && phone.len() == 11 => format!("+{DEFAULT_COUNTRY_CODE}{phone}"),
            _ => return Err(refused()),
        };
        Ok(Self {
            channel: Channel::Sms,
            address,
        })
    }

    /// `text` read as an address of `channel`.
    pub fn of(channel: Channel, text: &str) -> Result<Self, Error> {
        match channel {
            Channel::Email => Self::email(text),
            Channel::Sms => Self::phone(text),
        }
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    /// The address in its one form, as stored and as delivered to.
    pub fn address(&self) -> &str {
        &self.address
    }
}

/// How codes are issued and checked; the deployment's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePolicy {
    /// Seconds a code is valid after it is sent.
    pub lifetime: i64,
    /// Tries after which a code is void (`VERIFICATION_CODE_MAX_TRIES`).
    pub max_tries: u32,
    /// Codes one recipient may be sent per minute, and per day.
    pub per_minute: u32,
    pub per_day: u32,
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self {
            lifetime: 600,
            max_tries: 5,
            per_minute: 1,
            per_day: 10,
        }
    }
}

impl CodePolicy {
    pub fn lifetime_minutes(self) -> i64 {
        (self.lifetime + 59) / 60
    }
}

/// A code as the recipient reads it: six random digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(<6 digits>)")
    }
}

impl Code {
    pub fn generate() -> Self {
        Self(format!("{:06}", rand::rng().random_range(0..1_000_000u32)))
    }

    /// A code as a client sent it: the client's own pattern is 4 to 8
    /// digits; the service sends 6, so anything else can never match.
    pub fn given(field: &str, code: &str) -> Result<Self, Error> {
        if !(4..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid(format!(
                "`{field}` must be the 6-digit code that was sent."
            )));
        }
        Ok(Self(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Hashes codes under a key derived from a deployment key for this purpose
/// alone, so the table never holds a code a reader could try all 10^6
/// values against.
pub struct CodeHasher {
    key: [u8; 32],
}

impl std::fmt::Debug for CodeHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeHasher(<key>)")
    }
}

impl CodeHasher {
    pub fn new(deployment_key: &[u8]) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, deployment_key)
            .expand(b"oauthapp verification codes v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self { key }
    }

    /// The hash of `code` for (app, purpose, recipient): a code sent for one
    /// of them never matches another.
    pub fn hash(&self, app_id: u64, purpose: Purpose, recipient: &Recipient, code: &Code) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        for part in [
            app_id.to_string().as_str(),
            purpose.as_str(),
            recipient.channel.as_str(),
            recipient.address.as_str(),
            code.as_str(),
        ] {
            // Length-prefixed, so no two tuples hash the same bytes.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A code as the store keeps it. `tries` counts every check, right or
/// wrong: each is reserved before the hash is compared, so however many
/// requests arrive at once no more than `max_tries` are compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCode {
    pub code_hash: String,
    pub expires_at: i64,
    #[serde(default)]
    pub tries: u32,
}

/// Why a code given is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// None was sent, it was used, or a newer one replaced it.
    NoCode,
    Expired,
    /// Tried too often: a new one must be sent.
    Void,
    Wrong,
}

impl CodeRefusal {
    /// One answer for every refusal: which it was would tell whether a code
    /// was sent, and so whether an account has the address.
    pub fn into_error(self, field: &str) -> Error {
        tracing::info!(refusal = ?self, field, "verification code refused");
        Error::invalid(format!(
            "`{field}` is not a valid code: it is wrong, expired, used or was tried too often; ask for a new code."
        ))
    }
}

/// Whether one more try of `stored` may be reserved at `now`.
pub fn may_try(stored: Option<&StoredCode>, now: i64, policy: CodePolicy) -> Result<(), CodeRefusal> {
    let stored = stored.ok_or(CodeRefusal::NoCode)?;
    if stored.expires_at <= now {
        return Err(CodeRefusal::Expired);
    }
    if stored.tries >= policy.max_tries {
        return Err(CodeRefusal::Void);
    }
    Ok(())
}

/// Whether an app requires a verified address of a channel on sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verify {
    /// The address is kept as given, not marked valid (the seed's behaviour).
    #[default]
    Off,
    /// A sign-up that sets the address needs its `signup` code.
    Required,
}

words!(Verify, "verification", {
    Off => "off",
    Required => "required",
});

/// Which service sends an app's SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsProvider {
    /// Amazon SNS: the text as written.
    #[default]
    Sns,
    /// Tencent Cloud SMS: a template approved in its console, with the code
    /// and the minutes it is valid as its two parameters.
    Tencent,
}

words!(SmsProvider, "SMS provider", {
    Sns => "sns",
    Tencent => "tencent",
});

/// An app's senders and its verification rules, as the operator sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationSettings {
    /// The From address of the app's email (an SES verified identity); none:
    /// the deployment's `EMAIL_SENDER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_sender: Option<String>,
    #[serde(default)]
    pub sms_provider: SmsProvider,
    /// The SMS signature (Tencent's SignName; SNS's sender id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_sign_name: Option<String>,
    /// Tencent Cloud's TemplateId and SmsSdkAppId.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_sdk_app_id: Option<String>,
    #[serde(default)]
    pub verify_email: Verify,
    #[serde(default)]
    pub verify_phone: Verify,
    /// The app's own message text per code type, with `{code}` and
    /// `{minutes}` in it; types not listed use the Chinese defaults.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub code_messages: BTreeMap<Purpose, String>,
}

/// What a recipient reads: a subject (email only) and a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub text: String,
}

/// The default text of a code of `purpose`.
fn default_text(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::SignUp => "您的注册验证码是 {code},{minutes} 分钟内有效。如非本人操作,请忽略。",
        Purpose::SignIn => "您的登录验证码是 {code},{minutes} 分钟内有效。请勿告诉他人。",
        Purpose::ForgetPwd => "您正在找回密码,验证码是 {code},{minutes} 分钟内有效。如非本人操作,请忽略。",
        Purpose::Reset => {
            "您正在更换绑定的联系方式,验证码是 {code},{minutes} 分钟内有效。如非本人操作,请忽略。"
        }
    }
}

/// What an address gets instead of a code that would say nothing useful or
/// reveal an account: a sign-up code to an address that has an account, a
/// reset code to an address another account holds, or a sign-in or
/// password code to an address without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Sign-up or reset: the address belongs to an account already.
    Registered,
    /// Sign-in or forgotten password: no account has the address.
    NotRegistered,
}

impl Notice {
    fn text(self) -> &'static str {
        match self {
            Notice::Registered => {
                "此联系方式已注册账号,无需再次注册。请直接登录;如忘记密码,请使用找回密码。如非本人操作,请忽略。"
            }
            Notice::NotRegistered => {
                "有人使用此联系方式请求登录或找回密码,但它没有关联任何账号。如非本人操作,请忽略。"
            }
        }
    }
}

impl VerificationSettings {
    /// The message carrying `code` for `purpose`, in the app's text or the default.
    pub fn code_message(&self, app_name: &str, purpose: Purpose, code: &Code, policy: CodePolicy) -> Message {
        let template = self
            .code_messages
            .get(&purpose)
            .map_or(default_text(purpose), String::as_str);
        Message {
            subject: format!("【{app_name}】验证码"),
            text: template
                .replace("{code}", code.as_str())
                .replace("{minutes}", &policy.lifetime_minutes().to_string()),
        }
    }

    pub fn notice(app_name: &str, notice: Notice) -> Message {
        Message {
            subject: format!("【{app_name}】账号通知"),
            text: notice.text().to_owned(),
        }
    }
}

/// Checks an app's own message text: it must carry the code.
pub fn code_message_text(text: &str) -> Result<(), Error> {
    if !text.contains("{code}") {
        return Err(Error::invalid("A code message must contain {code}."));
    }
    validate::text("code message", text, 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_have_one_form() {
        assert_eq!(
            Recipient::email(" Ann@Example.COM ").unwrap().address(),
            "ann@example.com"
        );
        assert_eq!(
            Recipient::phone("13812345678").unwrap().address(),
            "+8613812345678"
        );
        assert_eq!(
            Recipient::phone("+447700900123").unwrap().address(),
            "+447700900123"
        );
        for bad in [
            "",
            "1381234567",
            "+12",
            "138-1234-5678",
            "+86 13812345678",
            "+0205911464",
        ] {
            assert!(Recipient::phone(bad).is_err(), "{bad:?}");
        }
        assert!(Recipient::email("").is_err());
        assert!(Recipient::email("not-an-address").is_err());
    }

    #[test]
    fn codes_are_six_digits_and_hashes_bind_everything() {
        let code = Code::generate();
        assert_eq!(code.as_str().len(), 6);
        assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
        let hasher = CodeHasher::new(b"a deployment key");
        let ann = Recipient::email("ann@example.com").unwrap();
        let bob = Recipient::email("bob@example.com").unwrap();
        let hash = hasher.hash(1, Purpose::SignUp, &ann, &code);
        assert_eq!(hash, hasher.hash(1, Purpose::SignUp, &ann, &code));
        assert_ne!(hash, hasher.hash(2, Purpose::SignUp, &ann, &code));
        assert_ne!(hash, hasher.hash(1, Purpose::SignIn, &ann, &code));
        assert_ne!(hash, hasher.hash(1, Purpose::SignUp, &bob, &code));
        assert_ne!(
            hash,
            CodeHasher::new(b"another key").hash(1, Purpose::SignUp, &ann, &code)
        );
        assert!(!hash.contains(code.as_str()) || hash.len() == 64);
    }

    #[test]
    fn a_code_may_not_be_tried_when_missing_expired_or_void() {
        let policy = CodePolicy::default();
        let stored = StoredCode {
            code_hash: "h".to_owned(),
            expires_at: 100,
            tries: 4,
        };
        assert_eq!(may_try(Some(&stored), 99, policy), Ok(()));
        assert_eq!(may_try(None, 99, policy), Err(CodeRefusal::NoCode));
        assert_eq!(may_try(Some(&stored), 100, policy), Err(CodeRefusal::Expired));
        let tried = StoredCode { tries: 5, ..stored };
        assert_eq!(may_try(Some(&tried), 99, policy), Err(CodeRefusal::Void));
    }

    #[test]
    fn messages_carry_the_code_and_its_minutes() {
        let code = Code::given("code", "123456").unwrap();
        let mut settings = VerificationSettings::default();
        let message = settings.code_message("Demo", Purpose::SignIn, &code, CodePolicy::default());
        assert!(
            message.text.contains("123456") && message.text.contains("10 分钟"),
            "{message:?}"
        );
        settings
            .code_messages
            .insert(Purpose::SignIn, "Your code: {code}".to_owned());
        let own = settings.code_message("Demo", Purpose::SignIn, &code, CodePolicy::default());
        assert_eq!(own.text, "Your code: 123456");
        assert!(code_message_text("no placeholder").is_err());
    }
}
