//! Per-IP limits: a client at one address gets a minute's allowance of
//! sign-ins, another of sign-ups, another of failed backend signatures;
//! past it, a 429 with Retry-After and nothing else happens. The address
//! is API Gateway's `sourceIp`, never a header the client sets.

use std::sync::Arc;

use lambda_http::{Body, Response};
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::http::function::Function;
use oauthapp_shared::store::AppChanges;
use serde_json::{Value, json};
use testkit::Reply;

use crate::common::{GOOD_PASSWORD, Harness};

const ATTACKER: &str = "198.51.100.7";
const OWNER: &str = "203.0.113.20";

async fn limited_to(per_minute: &str) -> Harness {
    let vars = [
        ("RATE_LIMIT_PER_IP_PER_MINUTE", per_minute),
        ("LOCKOUT_THRESHOLD", "5"),
    ];
    let h = Harness::with_env(UnionIdProof::Signature, &vars).await;
    testkit::wait_for_a_fresh_minute().await;
    h
}

impl Harness {
    async fn post_from(
        &self,
        source_ip: &str,
        endpoint: &str,
        body: &Value,
        headers: &[(&str, String)],
    ) -> Response<Body> {
        let text = body.to_string();
        self.respond_from(source_ip, "POST", &self.path(endpoint), Some(&text), headers)
            .await
    }

    async fn sign_in_from(&self, source_ip: &str, pwd: &str) -> Response<Body> {
        let body = json!({"userName": "guarded", "pwd": pwd});
        self.post_from(source_ip, "SignIn", &body, &[]).await
    }
}

fn status(response: &Response<Body>) -> u16 {
    response.status().as_u16()
}

/// Asserts the limit's 429: envelope, sentence and a Retry-After within the minute.
fn assert_limited(response: Response<Body>) {
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    Reply::from_response(response).assert_error(429, "from this address");
}

#[tokio::test]
async fn guesses_past_the_allowance_are_refused_before_any_password_is_checked() {
    let h = limited_to("3").await;
    h.password_user("guarded", GOOD_PASSWORD).await;
    for _ in 0..3 {
        assert_eq!(status(&h.sign_in_from(ATTACKER, "wrong-guess-1").await), 401);
    }
    // Ten more guesses, one of them right, and another address in the
    // header that proxies set: none is checked, none counts on the lockout.
    for _ in 0..9 {
        assert_limited(h.sign_in_from(ATTACKER, "wrong-guess-2").await);
    }
    let spoofed = [("x-forwarded-for", OWNER.to_owned())];
    let body = json!({"userName": "guarded", "pwd": GOOD_PASSWORD});
    assert_limited(h.post_from(ATTACKER, "SignIn", &body, &spoofed).await);
    // Five checked failures would have locked the account: it is open.
    assert_eq!(status(&h.sign_in_from(OWNER, GOOD_PASSWORD).await), 200);
}

#[tokio::test]
async fn each_route_class_has_its_own_allowance() {
    let h = limited_to("2").await;
    for _ in 0..2 {
        assert_eq!(status(&h.sign_in_from(ATTACKER, "no-such-user").await), 401);
    }
    assert_limited(h.sign_in_from(ATTACKER, "no-such-user").await);
    let sign_up = |name: &str| json!({"userName": name, "pwd": GOOD_PASSWORD});
    assert_eq!(
        status(&h.post_from(ATTACKER, "SignUp", &sign_up("first"), &[]).await),
        200
    );
    assert_eq!(
        status(&h.post_from(ATTACKER, "SignUp", &sign_up("second"), &[]).await),
        200
    );
    assert_limited(h.post_from(ATTACKER, "SignUp", &sign_up("third"), &[]).await);
    assert_eq!(h.user_count().await, 2, "the limited sign-up created nobody");
}

#[tokio::test]
async fn an_ipv6_client_is_counted_by_its_network() {
    let h = limited_to("2").await;
    for host in ["1", "2"] {
        let source = format!("2001:db8:7:7::{host}");
        assert_eq!(status(&h.sign_in_from(&source, "x-wrong").await), 401);
    }
    assert_limited(h.sign_in_from("2001:db8:7:7:ffff::3", "x-wrong").await);
    assert_eq!(status(&h.sign_in_from("2001:db8:7:8::1", "x-wrong").await), 401);
}

#[tokio::test]
async fn failed_backend_signatures_are_limited_and_good_ones_are_not() {
    let h = limited_to("2").await;
    let forged = |endpoint: &str, body: &Value| {
        let mut headers = h.signed("POST", &h.path(endpoint), Some(body));
        headers.retain(|(name, _)| *name != "X-OAuthApp-Signature");
        headers.push(("X-OAuthApp-Signature", "0".repeat(64)));
        headers
    };
    let sign_up = json!({"platform": "web", "unionID": "limited-union"});
    for _ in 0..2 {
        let refused = h
            .post_from(
                ATTACKER,
                "UnionIDSignUp",
                &sign_up,
                &forged("UnionIDSignUp", &sign_up),
            )
            .await;
        assert_eq!(status(&refused), 401);
    }
    // The sign-in allowance is untouched; the bad-signature one is spent.
    let sign_in = json!({"platform": "web", "unionID": "limited-union"});
    let headers = forged("UnionIDSignIn", &sign_in);
    assert_limited(h.post_from(ATTACKER, "UnionIDSignIn", &sign_in, &headers).await);
    // A good signature from the same address goes through (to "not bound").
    let headers = h.signed("POST", &h.path("UnionIDSignIn"), Some(&sign_in));
    let reply = Reply::from_response(h.post_from(ATTACKER, "UnionIDSignIn", &sign_in, &headers).await);
    reply.assert_error(404, "");
}

#[tokio::test]
async fn an_app_may_turn_its_limit_off_or_set_its_own() {
    let h = limited_to("2")
        .await
        .changed(AppChanges {
            rate_limit_per_ip: Some(0),
            ..AppChanges::default()
        })
        .await;
    for _ in 0..4 {
        assert_eq!(status(&h.sign_in_from(ATTACKER, "unlimited").await), 401);
    }
    let off = Harness::with_env(UnionIdProof::None, &[("RATE_LIMIT_PER_IP_PER_MINUTE", "0")]).await;
    let own = off
        .changed(AppChanges {
            rate_limit_per_ip: Some(1),
            ..AppChanges::default()
        })
        .await;
    testkit::wait_for_a_fresh_minute().await;
    assert_eq!(status(&own.sign_in_from(ATTACKER, "own-limit").await), 401);
    assert_limited(own.sign_in_from(ATTACKER, "own-limit").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_over_several_instances_gets_exactly_the_allowance() {
    let h = limited_to("10").await;
    let instances: Vec<Arc<Function>> = (0..4).map(|_| Arc::new(h.another_instance())).collect();
    let path = h.path("SignIn");
    let body = json!({"userName": "burst", "pwd": "burst-guess"}).to_string();
    let burst: Vec<_> = (0..30)
        .map(|i| {
            let request = testkit::request_from(ATTACKER, "POST", &path, Some(&body), &[]);
            let instance = instances[i % instances.len()].clone();
            tokio::spawn(async move { Reply::from_response(instance.answer(request).await) })
        })
        .collect();
    let mut limited = 0;
    for answer in burst {
        let reply = answer.await.unwrap();
        // The admitted ones meet the account's lockout after five failures.
        if reply.status == 429 && reply.error().contains("from this address") {
            limited += 1;
        }
    }
    assert_eq!(limited, 20);
}
