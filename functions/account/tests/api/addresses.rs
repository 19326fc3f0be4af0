//! Accounts known by a verified email address or phone number: v1
//! `EmailSignUp`, `PhoneSignUp`, `EmailSignIn`, `PhoneSignIn`, and the
//! apps that require a verified address on every sign-up. Codes are sent
//! as the verification function sends them, through the emulators.

use futures_util::future::join_all;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::verification::{Purpose, Recipient, Verify};
use oauthapp_shared::store::{AppChanges, CreateUserError, NewUser};
use rand::RngExt;
use serde_json::{Value, json};
use testkit::Reply;

use crate::common::{GOOD_PASSWORD, Harness};

fn fresh_email() -> String {
    format!("a{}@example.com", rand::rng().random_range(0..u64::MAX))
}

fn fresh_phone() -> String {
    format!("137{:08}", rand::rng().random_range(0..100_000_000u32))
}

impl Harness {
    async fn v1_post(&self, endpoint: &str, body: &Value) -> Reply {
        self.send_json("POST", &self.v1("User", endpoint), Some(body), &[])
            .await
    }
}

#[tokio::test]
async fn an_email_account_is_made_with_its_code_and_signs_in_with_another() {
    // A sign-up code and a sign-in code to one address within the minute.
    let h = Harness::with_env(UnionIdProof::Signature, &[("VERIFICATION_CODES_PER_MINUTE", "2")]).await;
    let email = fresh_email();
    let recipient = Recipient::email(&email).unwrap();
    let sign_up = |code: Option<&str>| json!({"email": email, "pwd": GOOD_PASSWORD, "emailCode": code, "nickName": "mail"});

    h.v1_post("/EmailSignUp", &sign_up(None))
        .await
        .assert_error(400, "`emailCode` is required");
    let code = h.code_sent_to(Purpose::SignUp, &recipient).await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    h.v1_post("/EmailSignUp", &sign_up(Some(&wrong)))
        .await
        .assert_error(400, "not a valid code");
    assert_eq!(h.user_count().await, 0, "a refused sign-up changes nothing");

    let token = h.v1_post("/EmailSignUp", &sign_up(Some(&code))).await.token();
    let user = h.store.user(h.app.id, h.user_id(&token)).await.unwrap().unwrap();
    assert!(user.email_is_valid && user.user_name.is_none(), "{user:?}");
    h.v1_post("/EmailSignUp", &sign_up(Some(&code)))
        .await
        .assert_error(400, "not a valid code");

    let sign_in = |code: &str| json!({"email": email.to_uppercase(), "verifyCode": code});
    let code = h.code_sent_to(Purpose::SignIn, &recipient).await;
    let signed_in = h.v1_post("/EmailSignIn", &sign_in(&code)).await;
    assert_eq!(h.user_id(&signed_in.token()), user.id);
    h.v1_post("/EmailSignIn", &sign_in(&code))
        .await
        .assert_error(400, "not a valid code");
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test]
async fn an_address_no_account_has_is_refused_as_a_wrong_code_is() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let unknown = h
        .v1_post(
            "/EmailSignIn",
            &json!({"email": fresh_email(), "verifyCode": "123456"}),
        )
        .await;
    let phone = fresh_phone();
    h.code_sent_to(Purpose::SignUp, &Recipient::phone(&phone).unwrap())
        .await;
    let signed_up = h
        .v1_post(
            "/PhoneSignUp",
            &json!({"phone": phone, "pwd": GOOD_PASSWORD, "phoneCode": "000000"}),
        )
        .await;
    unknown.assert_error(400, "not a valid code");
    // The same sentence for an address with no code and one with a wrong code.
    assert_eq!(
        unknown.error(),
        signed_up.error().replace("phoneCode", "verifyCode")
    );
}

#[tokio::test]
async fn a_phone_account_signs_up_and_in_through_sms() {
    // A sign-up code and a sign-in code to one address within the minute.
    let h = Harness::with_env(UnionIdProof::Signature, &[("VERIFICATION_CODES_PER_MINUTE", "2")]).await;
    let phone = fresh_phone();
    let recipient = Recipient::phone(&phone).unwrap();
    let code = h.code_sent_to(Purpose::SignUp, &recipient).await;
    let body = json!({"phone": phone, "pwd": GOOD_PASSWORD, "phoneCode": code});
    let user_id = h.user_id(&h.v1_post("/PhoneSignUp", &body).await.token());
    let code = h.code_sent_to(Purpose::SignIn, &recipient).await;
    let signed_in = h
        .v1_post(
            "/PhoneSignIn",
            &json!({"phone": format!("+86{phone}"), "verifyCode": code}),
        )
        .await;
    assert_eq!(h.user_id(&signed_in.token()), user_id);
    h.v1_post("/PhoneSignIn", &json!({"phone": "12345", "verifyCode": "123456"}))
        .await
        .assert_error(400, "`phone`");
}

#[tokio::test]
async fn concurrent_sign_ups_with_one_code_on_several_instances_make_one_user() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let email = fresh_email();
    let code = h
        .code_sent_to(Purpose::SignUp, &Recipient::email(&email).unwrap())
        .await;
    let body = json!({"email": email, "pwd": GOOD_PASSWORD, "emailCode": code}).to_string();
    let target = h.v1("User", "/EmailSignUp");
    let instances: Vec<_> = (0..4).map(|_| h.another_instance()).collect();
    let replies = join_all(instances.iter().map(|instance| {
        let request = testkit::request("POST", &target, Some(&body), &[]);
        async move { Reply::from_response(instance.answer(request).await) }
    }))
    .await;
    let created = replies.iter().filter(|reply| reply.status == 200).count();
    assert_eq!(created, 1, "{replies:?}");
    // The others lost to the address guard or to the code's single use.
    assert!(
        replies
            .iter()
            .all(|reply| matches!(reply.status, 200 | 400 | 409)),
        "{replies:?}"
    );
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test]
async fn a_verified_address_belongs_to_one_user() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let email = fresh_email();
    let verified = || NewUser {
        platform: "web".into(),
        email: email.clone(),
        email_is_valid: true,
        ..NewUser::default()
    };
    h.create_user(verified()).await;
    let again = h.store.create_user(h.app.id, verified(), 0).await;
    assert!(matches!(again, Err(CreateUserError::EmailTaken)), "{again:?}");
    // The same address unverified is profile text, which squats on nothing.
    let unverified = NewUser {
        email_is_valid: false,
        ..verified()
    };
    h.store
        .create_user(h.app.id, unverified, 0)
        .await
        .expect("an unverified copy");
}

#[tokio::test]
async fn an_app_requiring_verified_emails_refuses_sign_ups_without_the_code() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let mut settings = h.app.verification.clone();
    settings.verify_email = Verify::Required;
    let h = h
        .changed(AppChanges {
            verification: Some(settings),
            ..AppChanges::default()
        })
        .await;
    let email = fresh_email();
    let body = |code: Option<&str>| json!({"userName": "verified-walker", "pwd": GOOD_PASSWORD, "email": email, "emailCode": code});
    h.post("SignUp", &body(None))
        .await
        .assert_error(400, "`emailCode` is required");
    // Without an address there is nothing to verify.
    let no_email = h
        .post(
            "SignUp",
            &json!({"userName": "no-email-walker", "pwd": GOOD_PASSWORD}),
        )
        .await;
    assert_eq!(no_email.status, 200, "{no_email:?}");
    let code = h
        .code_sent_to(Purpose::SignUp, &Recipient::email(&email).unwrap())
        .await;
    let token = h.post("SignUp", &body(Some(&code))).await.token();
    let user = h.store.user(h.app.id, h.user_id(&token)).await.unwrap().unwrap();
    assert!(user.email_is_valid, "{user:?}");
}
