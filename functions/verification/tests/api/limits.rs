//! How often codes are sent: one a minute and ten a day per recipient by
//! default, across code types, however many instances send at once; and
//! the per-IP limit of the route class.

use futures_util::future::join_all;
use oauthapp_shared::store::AppChanges;
use testkit::emulators;

use crate::{Harness, fresh_email, fresh_phone};

#[tokio::test]
async fn instances_sending_to_one_address_at_once_send_one_code_a_minute() {
    let h = Harness::new().await;
    testkit::wait_for_a_fresh_minute().await;
    let email = fresh_email();
    let instances: Vec<_> = (0..4).map(|_| h.another_instance()).collect();
    let body = serde_json::json!({"email": email, "type": "signup"}).to_string();
    let target = h.v1("User", "/SendEmailCode");
    let replies = join_all(instances.iter().map(|instance| {
        let request = testkit::request("POST", &target, Some(&body), &[]);
        async move { testkit::Reply::from_response(instance.answer(request).await) }
    }))
    .await;
    let mut statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429, 429, 429], "{replies:?}");
    let refused = replies.iter().find(|reply| reply.status == 429).unwrap();
    assert!(refused.error().contains("a minute"), "{refused:?}");
    assert_eq!(emulators::emails_to(&email).await.len(), 1);
    // Another type to the same address is the same address's minute.
    h.send_email_code(&email, "signin")
        .await
        .assert_error(429, "a minute");
}

#[tokio::test]
async fn a_recipient_gets_at_most_the_days_allowance() {
    let h = Harness::with_env(&[
        ("VERIFICATION_CODES_PER_MINUTE", "3"),
        ("VERIFICATION_CODES_PER_DAY", "3"),
    ])
    .await;
    let (national, e164) = fresh_phone();
    for _ in 0..3 {
        assert_eq!(h.send_sms_code(&national, "signup").await.status, 200);
    }
    let refused = h.send_sms_code(&format!("+86{}", &national), "signup").await;
    refused.assert_error(429, "a day");
    assert_eq!(emulators::sms_to(&e164).await.len(), 3);
}

#[tokio::test]
async fn sending_counts_against_the_per_ip_limit() {
    let mut h = Harness::new().await;
    h.0.change_app(AppChanges {
        rate_limit_per_ip: Some(2),
        ..AppChanges::default()
    })
    .await;
    testkit::wait_for_a_fresh_minute().await;
    for _ in 0..2 {
        assert_eq!(h.send_email_code(&fresh_email(), "signup").await.status, 200);
    }
    let email = fresh_email();
    h.send_email_code(&email, "signup")
        .await
        .assert_error(429, "send-code requests from this address");
    assert!(emulators::emails_to(&email).await.is_empty());
}
