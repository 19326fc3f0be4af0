//! Sign-in failures: one answer for unknown user and wrong password, and the
//! per-account lockout.

use std::time::Duration;

use oauthapp_shared::domain::UnionIdProof;

use crate::common::{GOOD_PASSWORD, Harness};

#[tokio::test]
async fn unknown_user_and_wrong_password_fail_identically() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("known", GOOD_PASSWORD).await;
    let wrong_password = h.sign_in("known", "654321").await;
    let unknown_user = h.sign_in("nobody", "654321").await;
    wrong_password.assert_error(401, "user name or password is incorrect");
    assert_eq!(wrong_password.status, unknown_user.status);
    assert_eq!(wrong_password.body, unknown_user.body);
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("target", GOOD_PASSWORD).await;
    for _ in 0..5 {
        h.sign_in("target", "wrong-password")
            .await
            .assert_error(401, "incorrect");
    }
    h.sign_in("target", GOOD_PASSWORD)
        .await
        .assert_error(429, "try again in 15 minute(s)");
    h.sign_in("TARGET", GOOD_PASSWORD)
        .await
        .assert_error(429, "Too many failed sign-ins");
    // Other accounts are unaffected.
    h.sign_up("bystander", GOOD_PASSWORD).await;
    assert_eq!(h.sign_in("bystander", GOOD_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn unknown_names_lock_the_same_way() {
    let h = Harness::new(UnionIdProof::None).await;
    for _ in 0..5 {
        h.sign_in("ghost", "whatever")
            .await
            .assert_error(401, "incorrect");
    }
    h.sign_in("ghost", "whatever")
        .await
        .assert_error(429, "Too many failed sign-ins");
    // Registering the name gives a fresh account, not a locked one.
    h.sign_up("ghost", GOOD_PASSWORD).await;
    assert_eq!(h.sign_in("ghost", GOOD_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("forgetful", GOOD_PASSWORD).await;
    for _ in 0..4 {
        h.sign_in("forgetful", "nope-nope")
            .await
            .assert_error(401, "incorrect");
    }
    assert_eq!(h.sign_in("forgetful", GOOD_PASSWORD).await.status, 200);
    for _ in 0..4 {
        h.sign_in("forgetful", "nope-nope")
            .await
            .assert_error(401, "incorrect");
    }
    assert_eq!(
        h.sign_in("forgetful", GOOD_PASSWORD).await.status,
        200,
        "only 4 failures since the success"
    );
}

#[tokio::test]
async fn threshold_and_window_come_from_configuration() {
    let h = Harness::with_env(
        UnionIdProof::None,
        &[("LOCKOUT_THRESHOLD", "2"), ("LOCKOUT_WINDOW_SECONDS", "2")],
    )
    .await;
    h.sign_up("short", GOOD_PASSWORD).await;
    h.sign_in("short", "wrong-one")
        .await
        .assert_error(401, "incorrect");
    h.sign_in("short", "wrong-two")
        .await
        .assert_error(401, "incorrect");
    h.sign_in("short", GOOD_PASSWORD)
        .await
        .assert_error(429, "try again in 1 minute(s)");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(
        h.sign_in("short", GOOD_PASSWORD).await.status,
        200,
        "the lock ends with the window"
    );
}
