//! DynamoDB throttling that outlasts the SDK's retries, at each operation
//! of the external-account and two-factor endpoints: a 503 envelope and
//! nothing half-written (binding record without its guard, a spent code).

mod common;

use common::{Harness, code_at};
use oauthapp_shared::clock;
use oauthapp_shared::store::UnionIdProof;
use serde_json::json;

#[tokio::test]
async fn bindings_change_whole_or_not_at_all() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("stepwise").await;
    let (reply, _) = h
        .fail_each_operation(|| h.bind(&token, "github", "gh-stepwise"))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (reply, _) = h.fail_each_operation(|| h.set_enabled(&token, 1, false)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (reply, _) = h
        .fail_each_operation(|| h.external_sign_in("github", "gh-stepwise", None))
        .await;
    reply.assert_error(403, "disabled");
    let path = h.external("/1");
    let (reply, _) = h
        .fail_each_operation(|| h.with_token("DELETE", &path, None, &token))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(h.list(&token).await.is_empty());
}

#[tokio::test]
async fn two_factor_steps_change_whole_or_not_at_all() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("second").await;
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
    let legacy = h.legacy("SignIn");
    let (reply, _) = h
        .fail_each_operation(|| h.send("POST", &legacy, Some(&sign_in), &[]))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}
