//! DynamoDB throttling that outlasts the SDK's retries, at each step of the
//! QR flow: a 503 envelope, and a state the client's retry completes from.

use oauthapp_shared::domain::{QrMode, UnionIdProof};
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn single_write_steps_are_whole_or_absent() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let (_, token) = h.user_with_token("stepwise").await;
    let pre_sign_in = json!({"scopes": "s", "remark": "r", "scheme": "app"});
    let path = h.legacy("QRCodePreSignIn");
    let (reply, _) = h.fail_each_operation(|| h.post(&path, &pre_sign_in, &[])).await;
    let key = reply.data().as_u64().expect("a signInKey");
    let (reply, _) = h.fail_each_operation(|| h.scan(key)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (reply, _) = h.fail_each_operation(|| h.confirm_login(key, &token)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (reply, operations) = h.fail_each_operation(|| h.poll(key)).await;
    assert_eq!(
        operations, 6,
        "the app and the per-IP counter, the read, the user to mint the token, the page's session, then the \
         write that redeems"
    );
    assert_eq!(h.user_id(&reply.token()), h.user_id(&token));
}

/// Registration creates the user, then confirms the key: two writes. When
/// the second fails, the user exists; the client's retry signs that user in
/// and confirms, so no step leaves a second user or a stuck key.
#[tokio::test]
async fn confirm_register_completes_on_retry_whichever_step_failed() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let mut step = 0;
    loop {
        step += 1;
        let union_id = format!("register-{step}");
        let key = h.new_key().await;
        h.scan(key).await;
        let body = json!({"signInKey": key, "unionID": union_id, "nickName": "n"});
        h.faults.throttle_operation(step).await;
        let reply = h.post(&h.v1("Confirm-Register"), &body, &[]).await;
        let reached = h.faults.operations() >= step;
        h.faults.clear();
        if !reached {
            assert_eq!(reply.status, 200, "{reply:?}");
            break;
        }
        reply.assert_error(503, "busy");
        h.poll(key).await.assert_error(409, "登陆中");
        let retried = h.post(&h.v1("Confirm-Register"), &body, &[]).await;
        let user_id = h.user_id(&retried.token());
        assert_eq!(h.user_id(&h.poll(key).await.token()), user_id);
        assert_eq!(h.user_count().await, step, "one user per registration");
    }
    assert!(step > 4, "registration took only {} operations", step - 1);
}
