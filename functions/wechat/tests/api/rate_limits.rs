//! The unauthenticated WeChat routes count per client address: past the
//! app's allowance, a 429 and no call to WeChat.

use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::store::AppChanges;

use crate::common::Harness;

#[tokio::test]
async fn login_codes_past_the_allowance_never_reach_wechat() {
    let h = Harness::with_wechat(UnionIdProof::Signature)
        .await
        .changed(AppChanges {
            rate_limit_per_ip: Some(2),
            ..AppChanges::default()
        })
        .await;
    testkit::wait_for_a_fresh_minute().await;
    for openid in ["oLimited0001", "oLimited0002"] {
        let code = h.login_code(openid, None);
        assert_eq!(h.code_to_session(&code).await.status, 200);
    }
    let code = h.login_code("oLimited0003", None);
    h.code_to_session(&code)
        .await
        .assert_error(429, "wechat-login requests from this address");
    assert_eq!(
        h.fake().calls("/sns/jscode2session"),
        2,
        "the limited code was not exchanged"
    );
}
