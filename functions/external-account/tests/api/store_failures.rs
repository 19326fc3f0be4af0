//! DynamoDB throttling that outlasts the SDK's retries, at each operation
//! of the external-account endpoints: a 503 envelope and nothing
//! half-written (a binding record without its guard).

use oauthapp_shared::domain::UnionIdProof;

use crate::common::Harness;

#[tokio::test]
async fn bindings_change_whole_or_not_at_all() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("stepwise", "secret-1").await;
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
