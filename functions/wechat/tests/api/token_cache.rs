//! The shared access-token cache against the fake WeChat: one fetch for
//! many instances, one refresh at expiry, one refresh and retry when WeChat
//! rejects a token, and no stuck lease after a failed fetch.

use std::time::Duration;

use futures_util::future::join_all;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::http::function::Function;
use serde_json::json;

use crate::common::Harness;

const LINK: &str = "/wxa/generate_urllink";
const TOKEN: &str = "/cgi-bin/stable_token";

async fn link(h: &Harness, instance: &Function) -> u16 {
    let target = h.wechat("UrlLinkGenerate");
    let body = json!({"path": "pages/index/index"});
    let request = testkit::request(
        "POST",
        &target,
        Some(&body.to_string()),
        &h.signed("POST", &target, Some(&body)),
    );
    instance.answer(request).await.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_calls_on_a_cold_cache_fetch_one_token() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    // Five cold instances, ten calls each, all at once.
    let instances: Vec<Function> = (0..5).map(|_| h.another_instance()).collect();
    let h = &h;
    let calls = instances
        .iter()
        .flat_map(|instance| (0..10).map(move |_| link(h, instance)));
    let statuses = join_all(calls).await;
    assert_eq!(statuses, vec![200; 50]);
    assert_eq!(h.mini_token_fetches(), 1, "exactly one upstream token fetch");
    assert_eq!(h.fake().calls(TOKEN), 1, "and no other attempt");
    assert_eq!(h.fake().calls(LINK), 50);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let instance = h.another_instance();
    // WeChat says 5 s; the cache uses it for half that.
    h.fake().set_token_lifetime(5);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(h.mini_token_fetches(), 1);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(h.mini_token_fetches(), 2, "one refresh after expiry");
}

#[tokio::test]
async fn a_rejected_token_is_replaced_and_the_call_retried_once() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let instance = h.another_instance();
    assert_eq!(link(&h, &instance).await, 200);
    let first = h.fake().current_token(&h.mini().app_id).unwrap();

    // WeChat rejects the token once (40001): forget it, fetch, retry.
    h.fake().fail_next(LINK, 40001);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(h.mini_token_fetches(), 2, "one refresh");
    assert_eq!(h.fake().calls(LINK), 3, "one retry");
    // Normal-mode stable_token hands out the same, still valid token.
    assert_eq!(h.fake().current_token(&h.mini().app_id).unwrap(), first);

    // The token expired at WeChat before our copy did (42001).
    h.fake().expire_tokens(&h.mini().app_id);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(h.mini_token_fetches(), 3);
    assert_ne!(h.fake().current_token(&h.mini().app_id).unwrap(), first);

    // Another instance still holding the old token in memory: it reads the
    // new one after its own refusal, without fetching again.
    let cold = h.another_instance();
    assert_eq!(link(&h, &cold).await, 200);
    assert_eq!(h.mini_token_fetches(), 3);

    // Rejected twice in a row: one retry only, then the error.
    h.fake().fail_next(LINK, 40001);
    h.fake().fail_next(LINK, 40001);
    assert_eq!(link(&h, &instance).await, 502);
}

#[tokio::test]
async fn a_failed_fetch_leaves_no_lease_behind() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let instance = h.another_instance();
    h.fake().fail_next(TOKEN, -1);
    assert_eq!(link(&h, &instance).await, 502);
    // The very next call may fetch: it does not wait out the lease.
    let started = std::time::Instant::now();
    assert_eq!(link(&h, &instance).await, 200);
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(h.fake().calls(TOKEN), 2);
    assert_eq!(h.mini_token_fetches(), 1, "the second attempt got the token");
}
