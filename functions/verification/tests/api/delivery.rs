//! What arrives: a code by email through SES v2 and by SMS through SNS, in
//! the app's words or the Chinese defaults; a notice instead where a code
//! would reveal an account or be of no use, so the answer is always the same.

use oauthapp_shared::domain::verification::{Purpose, Recipient};
use oauthapp_shared::store::AppChanges;
use testkit::emulators;
use testkit::harness::EMAIL_SENDER;

use crate::{Harness, emailed_code, fresh_email, fresh_phone};

#[tokio::test]
async fn an_email_code_arrives_through_ses_and_works_once() {
    let h = Harness::new().await;
    let email = fresh_email();
    let reply = h.send_email_code(&email.to_uppercase(), "signup").await;
    assert_eq!(
        (reply.status, reply.data().clone()),
        (200, serde_json::json!(true)),
        "{:?}",
        reply
    );

    let emails = emulators::emails_to(&email).await;
    assert_eq!(emails.len(), 1, "one address form: {emails:?}");
    let sent = &emails[0];
    assert_eq!(sent.from, EMAIL_SENDER);
    assert!(sent.subject.contains(&h.app.card.name), "{sent:?}");
    let text = sent.body.text.as_deref().unwrap();
    assert!(text.contains("注册验证码") && text.contains("10 分钟"), "{text}");
    let code = emulators::code_in(text);

    let recipient = Recipient::email(&email).unwrap();
    assert!(
        h.check(Purpose::SignIn, &recipient, &code).await.is_err(),
        "bound to its type"
    );
    let other = Recipient::email(&fresh_email()).unwrap();
    assert!(
        h.check(Purpose::SignUp, &other, &code).await.is_err(),
        "bound to its address"
    );
    let checked = h
        .check(Purpose::SignUp, &recipient, &code)
        .await
        .expect("the code");
    assert!(h.store.use_code(&checked).await.unwrap(), "used once");
    assert!(!h.store.use_code(&checked).await.unwrap(), "never twice");
    let again = h.check(Purpose::SignUp, &recipient, &code).await.unwrap_err();
    assert!(again.contains("ask for a new code"), "{again}");
}

#[tokio::test]
async fn an_sms_code_arrives_through_sns_in_the_apps_own_words() {
    let mut h = Harness::new().await;
    let mut settings = h.app.verification.clone();
    settings.code_messages.insert(
        Purpose::SignIn,
        "[Demo] code {code}, valid {minutes} min".to_owned(),
    );
    h.0.change_app(AppChanges {
        verification: Some(settings),
        ..AppChanges::default()
    })
    .await;
    let (national, e164) = fresh_phone();
    h.user_with_phone(&national).await;
    let reply = h.send_sms_code(&national, "signin").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let sms = emulators::sms_to(&e164).await;
    assert_eq!(sms.len(), 1, "{sms:?}");
    assert!(
        sms[0].message.starts_with("[Demo] code ") && sms[0].message.ends_with("valid 10 min"),
        "{sms:?}"
    );
    let code = emulators::code_in(&sms[0].message);
    let recipient = Recipient::phone(&national).unwrap();
    assert!(h.check(Purpose::SignIn, &recipient, &code).await.is_ok());
}

#[tokio::test]
async fn the_answer_is_the_same_whether_or_not_an_account_has_the_address() {
    // Four codes to one address within the minute.
    let h = Harness::with_env(&[("VERIFICATION_CODES_PER_MINUTE", "4")]).await;
    let (registered, unregistered) = (fresh_email(), fresh_email());
    h.user_with_email(&registered).await;

    for purpose in ["signup", "signin", "forgetpwd", "reset"] {
        let to_registered = h.send_email_code(&registered, purpose).await;
        let to_unregistered = h.send_email_code(&unregistered, purpose).await;
        assert_eq!(to_registered.status, to_unregistered.status, "{purpose}");
        assert_eq!(to_registered.body, to_unregistered.body, "{purpose}");
    }
    let texts = |emails: Vec<emulators::Email>| -> Vec<String> {
        emails
            .into_iter()
            .map(|email| email.body.text.unwrap_or_default())
            .collect()
    };
    let registered = texts(emulators::emails_to(&registered).await);
    let unregistered = texts(emulators::emails_to(&unregistered).await);
    assert_eq!((registered.len(), unregistered.len()), (4, 4));
    // signup and reset to a registered address: the notice, no code; signin
    // and forgetpwd: a code. The other way round for the unregistered one.
    let has_code = |text: &String| {
        text.as_bytes()
            .windows(6)
            .any(|w| w.iter().all(u8::is_ascii_digit))
    };
    assert_eq!(
        registered.iter().map(has_code).collect::<Vec<_>>(),
        [false, true, true, false],
        "{registered:?}"
    );
    assert_eq!(
        unregistered.iter().map(has_code).collect::<Vec<_>>(),
        [true, false, false, true],
        "{unregistered:?}"
    );
    assert!(registered[0].contains("已注册"), "{registered:?}");
}

#[tokio::test]
async fn bad_requests_are_refused_and_send_nothing() {
    let h = Harness::new().await;
    let email = fresh_email();
    for (body_email, purpose, expected) in [
        (email.as_str(), "login", "`type`"),
        ("not-an-address", "signup", "`email`"),
        ("", "signup", "`email`"),
    ] {
        h.send_email_code(body_email, purpose)
            .await
            .assert_error(400, expected);
    }
    h.send_sms_code("12345", "signup")
        .await
        .assert_error(400, "`phone`");
    let missing = h
        .send_json(
            "POST",
            &h.v1("User", "/SendEmailCode"),
            Some(&serde_json::json!({"email": email})),
            &[],
        )
        .await;
    missing.assert_error(400, "type");
    assert!(emulators::emails_to(&email).await.is_empty());
    // Refused before counting: the address may still get its code.
    assert_eq!(h.send_email_code(&email, "signup").await.status, 200);
    emailed_code(&email).await;
}
