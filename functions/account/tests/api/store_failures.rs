//! DynamoDB throttling: the SDK retries it with backoff; when it outlasts
//! the retries the client gets a 503 envelope and nothing is half-written,
//! whichever of a request's DynamoDB operations failed.

use oauthapp_shared::domain::{UnionIdProof, clock};
use serde_json::json;
use testkit::code_at;

use crate::common::{GOOD_PASSWORD, Harness};

#[tokio::test]
async fn a_throttled_attempt_is_retried_and_the_request_succeeds() {
    let h = Harness::new(UnionIdProof::None).await;
    h.faults.throttle_attempts(2).await;
    let reply = h
        .post("SignUp", &json!({"userName": "retried", "pwd": GOOD_PASSWORD}))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(h.faults.throttled(), 2);
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test]
async fn sign_up_is_whole_or_absent_whichever_step_fails() {
    let h = Harness::new(UnionIdProof::None).await;
    let body =
        json!({"userName": "stepwise", "pwd": GOOD_PASSWORD, "unionID": "stepwise-u", "platform": "web"});
    let (reply, operations) = h.fail_each_operation(|| h.post("SignUp", &body)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // The app and the sign-up rate counter, the user sequence, the transaction.
    assert_eq!(operations, 4);
    assert_eq!(h.user_count().await, 1);
    assert_eq!(h.sign_in("stepwise", GOOD_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn union_id_sign_up_is_whole_or_absent_whichever_step_fails() {
    let h = Harness::new(UnionIdProof::None).await;
    let body = json!({"platform": "web", "unionID": "stepwise-union"});
    let (reply, _) = h.fail_each_operation(|| h.post("UnionIDSignUp", &body)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test]
async fn a_failed_sign_in_is_recorded_whole_or_not_at_all() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h
        .post("SignUp", &json!({"userName": "locker", "pwd": GOOD_PASSWORD}))
        .await
        .token();
    let (reply, _) = h.fail_each_operation(|| h.sign_in("locker", "wrong-pwd")).await;
    reply.assert_error(401, "");
    let renamed = json!({"nickName": "renamed"});
    let (reply, _) = h
        .fail_each_operation(|| h.put_with_token("Profile", &renamed, &token))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn two_factor_steps_change_whole_or_not_at_all() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("second", "secret-1").await;
    let path = h.two_factor_path();
    let (enrolment, _) = h
        .fail_each_operation(|| h.with_token("GET", &path, None, &token))
        .await;
    let key = enrolment.data()["manualEntryKey"].as_str().unwrap().to_owned();
    let on = json!({"code": code_at(&key, clock::now())});
    let (reply, _) = h
        .fail_each_operation(|| h.with_token("POST", &path, Some(&on), &token))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // A code is spent in the same write that lets the sign-in through.
    let sign_in =
        json!({"userName": "second", "pwd": "secret-1", "twoFactorCode": code_at(&key, clock::now() + 30)});
    let (reply, _) = h.fail_each_operation(|| h.post("SignIn", &sign_in)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}
