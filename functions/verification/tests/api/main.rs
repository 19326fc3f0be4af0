//! The verification function's integration tests: codes sent through the
//! SES and SNS emulators (and a Tencent Cloud SMS server following its
//! documented API), read back from what they delivered, on a fresh app in
//! DynamoDB Local.

mod delivery;
mod limits;
mod request_counts;
mod tencent;
mod tries;

use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::verification::{Code, Purpose, Recipient};
use oauthapp_shared::flows::verification;
use oauthapp_shared::store::{CheckedCode, NewUser};
use rand::RngExt;
use serde_json::json;
use testkit::{Reply, emulators};

pub struct Harness(testkit::Harness);

impl std::ops::Deref for Harness {
    type Target = testkit::Harness;

    fn deref(&self) -> &testkit::Harness {
        &self.0
    }
}

/// An address nobody else's test sends to: the emulators are shared.
pub fn fresh_email() -> String {
    format!("user{}@example.com", rand::rng().random_range(0..u64::MAX))
}

/// An 11-digit mobile number of its own, and its E.164 form.
pub fn fresh_phone() -> (String, String) {
    let national = format!("139{:08}", rand::rng().random_range(0..100_000_000u32));
    let e164 = format!("+86{national}");
    (national, e164)
}

impl Harness {
    pub async fn new() -> Self {
        Self::with_env(&[]).await
    }

    pub async fn with_env(vars: &[(&str, &str)]) -> Self {
        Self(
            testkit::Harness::sending_codes(
                ::verification::routes,
                UnionIdProof::Signature,
                vars,
                emulators::no_tencent(),
            )
            .await,
        )
    }

    pub async fn send_email_code(&self, email: &str, purpose: &str) -> Reply {
        let body = json!({"email": email, "type": purpose});
        self.send_json("POST", &self.v1("User", "/SendEmailCode"), Some(&body), &[])
            .await
    }

    pub async fn send_sms_code(&self, phone: &str, purpose: &str) -> Reply {
        let body = json!({"phone": phone, "type": purpose});
        self.send_json("POST", &self.v1("User", "/SendSMSCode"), Some(&body), &[])
            .await
    }

    /// A user whose verified email address is `email`.
    pub async fn user_with_email(&self, email: &str) -> u64 {
        let new_user = NewUser {
            platform: "web".into(),
            email: email.into(),
            email_is_valid: true,
            ..NewUser::default()
        };
        self.create_user(new_user).await.0.id
    }

    /// A user whose verified phone number is `phone`.
    pub async fn user_with_phone(&self, phone: &str) -> u64 {
        let new_user = NewUser {
            platform: "web".into(),
            phone: phone.into(),
            phone_is_valid: true,
            ..NewUser::default()
        };
        self.create_user(new_user).await.0.id
    }

    /// Checks `code` as a client's code of `purpose` for `recipient`, as the
    /// functions that take codes do (not this one: its record leaves it out).
    pub async fn check(
        &self,
        purpose: Purpose,
        recipient: &Recipient,
        code: &str,
    ) -> Result<CheckedCode, String> {
        let code = Code::given("code", code).map_err(|err| err.message().to_owned())?;
        verification::check_code(
            &self.setup_services(),
            self.app.id,
            purpose,
            recipient,
            &code,
            "code",
        )
        .await
        .map_err(|err| err.message().to_owned())
    }
}

/// The code of the one email sent to `email`.
pub async fn emailed_code(email: &str) -> String {
    let emails = emulators::emails_to(email).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    emulators::code_in(emails[0].body.text.as_deref().expect("a text body"))
}
