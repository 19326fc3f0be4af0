//! How a code is checked: a new code replaces the previous one, it expires,
//! and five tries void it, however many arrive at once.

use futures_util::future::join_all;
use oauthapp_shared::domain::verification::{Purpose, Recipient};
use oauthapp_shared::store::CodeTry;

use crate::{Harness, emailed_code, fresh_email};

/// A six-digit code other than `code`.
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

#[tokio::test]
async fn wrong_tries_at_once_never_exceed_the_limit() {
    let h = Harness::new().await;
    let email = fresh_email();
    h.send_email_code(&email, "signup").await;
    let code = emailed_code(&email).await;
    let recipient = Recipient::email(&email).unwrap();
    let wrong = other_than(&code);
    let tries = join_all((0..10).map(|_| h.check(Purpose::SignUp, &recipient, &wrong))).await;
    assert!(tries.iter().all(Result::is_err), "{tries:?}");
    // Five were reserved and compared; the other five found none left.
    let now = oauthapp_shared::domain::clock::now();
    match h
        .store
        .reserve_code_try(h.app.id, Purpose::SignUp, &recipient, now, 5)
        .await
        .unwrap()
    {
        CodeTry::Refused(Some(stored)) => assert_eq!(stored.tries, 5),
        other => panic!("the code should be void: {other:?}"),
    }
    let refused = h.check(Purpose::SignUp, &recipient, &code).await.unwrap_err();
    assert!(refused.contains("not a valid code"), "{refused}");
}

#[tokio::test]
async fn a_new_code_replaces_the_previous_one_and_its_tries() {
    let h = Harness::with_env(&[("VERIFICATION_CODES_PER_MINUTE", "2")]).await;
    let email = fresh_email();
    let recipient = Recipient::email(&email).unwrap();
    h.send_email_code(&email, "signup").await;
    let first = emailed_code(&email).await;
    assert!(
        h.check(Purpose::SignUp, &recipient, &other_than(&first))
            .await
            .is_err()
    );
    h.send_email_code(&email, "signup").await;
    let emails = testkit::emulators::emails_to(&email).await;
    let second = testkit::emulators::code_in(emails[1].body.text.as_deref().unwrap());
    if first != second {
        let old = h.check(Purpose::SignUp, &recipient, &first).await.unwrap_err();
        assert!(old.contains("not a valid code"), "{old}");
    }
    assert!(h.check(Purpose::SignUp, &recipient, &second).await.is_ok());
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let h = Harness::with_env(&[("VERIFICATION_CODE_SECONDS", "1")]).await;
    let email = fresh_email();
    h.send_email_code(&email, "signup").await;
    let code = emailed_code(&email).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let refused = h
        .check(Purpose::SignUp, &Recipient::email(&email).unwrap(), &code)
        .await
        .unwrap_err();
    assert!(refused.contains("not a valid code"), "{refused}");
}
