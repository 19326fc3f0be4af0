//! The shared access-token cache against the fake WeChat: one fetch for
//! many instances, one refresh at expiry, one refresh and retry when WeChat
//! rejects a token, one forced refresh when it keeps rejecting it, no stuck
//! lease after a failed fetch, and envelopes in time from a slow WeChat.

use std::time::Duration;

use futures_util::future::join_all;
use oauthapp_shared::domain::{Secret, UnionIdProof, clock};
use oauthapp_shared::http::function::Function;
use oauthapp_shared::store::CredentialId;
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
    // WeChat says 10 s; the cache uses it for half that, to the second:
    // at least 4 s, so two calls fit in it even on a loaded machine.
    h.fake().set_token_lifetime(10);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(h.mini_token_fetches(), 1);
    tokio::time::sleep(Duration::from_millis(6_100)).await;
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

#[tokio::test]
async fn a_token_refused_in_normal_mode_gets_one_forced_refresh() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let mini = &h.mini().app_id;
    let instance = h.another_instance();
    assert_eq!(link(&h, &instance).await, 200);
    // WeChat refuses the token that normal mode keeps handing out.
    h.fake().refuse_current_token(mini);
    assert_eq!(link(&h, &instance).await, 200);
    assert_eq!(h.fake().forced_refreshes(mini), 1);
    assert_eq!(
        h.fake().calls(LINK),
        4,
        "refused twice, then sent with the new token"
    );
    // Another instance finds the new token in the table and forces nothing.
    let cold = h.another_instance();
    assert_eq!(link(&h, &cold).await, 200);
    assert_eq!(h.fake().forced_refreshes(mini), 1);

    // Refused even after a forced refresh: one forced refresh, then the error.
    for _ in 0..3 {
        h.fake().fail_next(LINK, 40001);
    }
    assert_eq!(link(&h, &instance).await, 502);
    assert_eq!(h.fake().forced_refreshes(mini), 2);
    assert_eq!(link(&h, &instance).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_wechat_still_gets_envelopes_inside_the_function_timeout() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    // Slower than one exchange may take.
    h.fake().slow_down(TOKEN, Duration::from_secs(7));
    let (first, second) = (h.another_instance(), h.another_instance());
    let started = std::time::Instant::now();
    let (a, b) = tokio::join!(link(&h, &first), link(&h, &second));
    let elapsed = started.elapsed();
    let mut statuses = [a, b];
    statuses.sort_unstable();
    // The fetcher's exchange times out (502); the caller waiting for it
    // runs out of its operation budget (503). Both are envelopes.
    assert_eq!(statuses, [502, 503]);
    let timeout = super::budget::wechat_function_timeout();
    assert!(
        elapsed < timeout,
        "answered after {elapsed:?}, the function has {timeout:?}"
    );
    // WeChat recovers: the next call gets a token once any lease left ends.
    h.fake().slow_down(TOKEN, Duration::ZERO);
    assert_eq!(link(&h, &first).await, 200);
}

#[tokio::test]
async fn only_the_lease_holder_saves_a_credential() {
    let h = Harness::with_wechat(UnionIdProof::Signature).await;
    let id = CredentialId {
        name: "access-token",
        wechat_app_id: h.mini().app_id.clone(),
        secret_fingerprint: "lease-test".into(),
    };
    let now = clock::now();
    assert!(
        h.store
            .lease_shared_credential(&id, "first", now, now + 1)
            .await
            .unwrap()
    );
    // The first holder's lease ran out and a second caller took it.
    assert!(
        h.store
            .lease_shared_credential(&id, "second", now + 1, now + 9)
            .await
            .unwrap()
    );
    let late = Secret::new("late");
    assert!(
        !h.store
            .save_shared_credential(&id, "first", &late, now + 100)
            .await
            .unwrap()
    );
    let current = Secret::new("current");
    assert!(
        h.store
            .save_shared_credential(&id, "second", &current, now + 100)
            .await
            .unwrap()
    );
    let item = h.store.shared_credential(&id).await.unwrap();
    assert_eq!(item.usable(now).map(|(value, _)| value.expose()), Some("current"));
}
