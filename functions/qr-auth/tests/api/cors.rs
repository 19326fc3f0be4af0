//! CORS per app (shared/src/http/cors.rs), through the function a QR
//! sign-in page calls: a listed origin reads every answer and has its
//! preflights answered; any other origin gets no CORS header at all.

use lambda_http::http::HeaderMap;
use oauthapp_shared::store::AppChanges;
use serde_json::json;
use testkit::Reply;

use crate::common::{CHALLENGE, Harness, VERIFIER};

const LISTED: &str = "https://web.example";
const OTHER: &str = "https://evil.example";

async fn listing(origins: &[&str]) -> Harness {
    Harness::new(oauthapp_shared::domain::UnionIdProof::None)
        .await
        .listing(origins)
        .await
}

impl Harness {
    /// The harness with its app's web origins set to `origins`, as the operator sets them.
    async fn listing(self, origins: &[&str]) -> Self {
        self.changed(AppChanges {
            web_origins: Some(origins.iter().map(|origin| origin.to_string()).collect()),
            ..AppChanges::default()
        })
        .await
    }
}

fn origin(value: &str) -> (&'static str, String) {
    ("Origin", value.to_owned())
}

/// The header `name` as text, if present.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .map(|value| value.to_str().expect("a text header"))
}

/// No header of the CORS protocol at all: the browser hands the page nothing.
fn assert_no_cors(headers: &HeaderMap) {
    let cors: Vec<_> = headers
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "CORS headers {cors:?}");
}

/// A preflight of `method target`, as a browser sends it before a JSON POST
/// with a token.
async fn preflight(
    h: &Harness,
    target: &str,
    from: &str,
    method: &str,
) -> lambda_http::Response<lambda_http::Body> {
    let headers = [
        origin(from),
        ("Access-Control-Request-Method", method.to_owned()),
        (
            "Access-Control-Request-Headers",
            "authorization,content-type".to_owned(),
        ),
    ];
    h.respond("OPTIONS", target, None, &headers).await
}

#[tokio::test]
async fn a_listed_origin_reads_every_answer_and_another_reads_none() {
    let h = listing(&[LISTED, "http://127.0.0.1:8080"]).await;
    let body = json!({"scopes": "s", "codeChallenge": CHALLENGE, "codeChallengeMethod": "S256"});
    for path in [h.legacy("QRCodePreSignIn"), h.v1("Initiate")] {
        let answered = h
            .respond("POST", &path, Some(&body.to_string()), &[origin(LISTED)])
            .await;
        assert_eq!(answered.status(), 200);
        let headers = answered.headers();
        assert_eq!(header(headers, "access-control-allow-origin"), Some(LISTED));
        assert_eq!(header(headers, "vary"), Some("Origin"));
        assert_eq!(
            header(headers, "access-control-expose-headers"),
            Some("retry-after")
        );
        assert_eq!(header(headers, "access-control-allow-credentials"), None);

        // Another origin, or a prefix of a listed one, or none at all: no CORS header.
        for headers in [
            vec![origin(OTHER)],
            vec![origin("https://web.example.evil")],
            vec![],
        ] {
            let answered = h.respond("POST", &path, Some(&body.to_string()), &headers).await;
            assert_eq!(answered.status(), 200);
            assert_no_cors(answered.headers());
        }
    }
    // A failure is the page's to read too.
    let refused = h
        .respond("POST", &h.legacy("QRCodeSignIn"), Some("{}"), &[origin(LISTED)])
        .await;
    assert_eq!(refused.status(), 400);
    assert_eq!(
        header(refused.headers(), "access-control-allow-origin"),
        Some(LISTED)
    );
}

#[tokio::test]
async fn a_page_over_its_per_ip_limit_reads_the_429_and_when_to_retry() {
    let h = Harness::with_env(
        oauthapp_shared::domain::UnionIdProof::None,
        &[("RATE_LIMIT_PER_IP_PER_MINUTE", "1")],
    )
    .await
    .listing(&[LISTED])
    .await;
    testkit::wait_for_a_fresh_minute().await;
    let body = json!({"scopes": "s", "codeChallenge": CHALLENGE}).to_string();
    let path = h.legacy("QRCodePreSignIn");
    let first = h.respond("POST", &path, Some(&body), &[origin(LISTED)]).await;
    assert_eq!(first.status(), 200);
    let limited = h.respond("POST", &path, Some(&body), &[origin(LISTED)]).await;
    assert_eq!(limited.status(), 429);
    let headers = limited.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), Some(LISTED));
    assert_eq!(
        header(headers, "access-control-expose-headers"),
        Some("retry-after")
    );
    assert!(header(headers, "retry-after").is_some());
}

#[tokio::test]
async fn every_path_answers_the_preflight_of_a_listed_origin() {
    let h = listing(&[LISTED]).await;
    for route in qr_auth::routes().iter() {
        let target = route
            .path
            .replace("{appId}", &h.app.id.to_string())
            .replace("{appKey}", &h.app.key);
        let answered = preflight(&h, &target, LISTED, route.method.as_str()).await;
        assert_eq!(answered.status(), 204, "{target}");
        let headers = answered.headers();
        assert_eq!(
            header(headers, "access-control-allow-origin"),
            Some(LISTED),
            "{target}"
        );
        assert_eq!(
            header(headers, "access-control-allow-methods"),
            Some("POST"),
            "{target}"
        );
        assert_eq!(
            header(headers, "access-control-allow-headers"),
            Some("authorization, content-type")
        );
        assert_eq!(header(headers, "access-control-max-age"), Some("600"));
        assert_eq!(header(headers, "access-control-allow-credentials"), None);
        assert_eq!(header(headers, "vary"), Some("Origin"));
    }
}

#[tokio::test]
async fn preflights_of_other_origins_and_bad_preflights_are_refused_without_cors() {
    let h = listing(&[LISTED]).await;
    let target = h.legacy("QRCodeSignIn");
    let refusals = [
        (
            preflight(&h, &target, OTHER, "POST").await,
            403,
            "is not one of this app's web origins",
        ),
        (
            preflight(&h, &target, "null", "POST").await,
            403,
            "is not one of this app's web origins",
        ),
        (
            preflight(&h, &target, LISTED, "DELETE").await,
            405,
            "DELETE is not allowed",
        ),
        (
            h.respond("OPTIONS", &target, None, &[origin(LISTED)]).await,
            400,
            "Access-Control-Request-Method",
        ),
        (
            h.respond("OPTIONS", &target, None, &[]).await,
            400,
            "send Origin and Access-Control-Request-Method",
        ),
        (
            preflight(&h, "/api/AppUsers/999999999/QRCodeSignIn", LISTED, "POST").await,
            404,
            "no app with id",
        ),
        (
            preflight(&h, "/api/AppUsers/07/QRCodeSignIn", LISTED, "POST").await,
            404,
            "no app with id",
        ),
        (
            preflight(&h, "/Wechat/no-such-key/QR-Auth/Scan", LISTED, "POST").await,
            404,
            "no app with key",
        ),
        (
            preflight(&h, &h.legacy("Nothing"), LISTED, "POST").await,
            404,
            "no such endpoint",
        ),
    ];
    for (answered, status, text) in refusals {
        assert_no_cors(answered.headers());
        Reply::from_response(answered).assert_error(status, text);
    }
    // An app that lists no origin, as every app before this setting.
    let unlisted = Harness::new(oauthapp_shared::domain::UnionIdProof::None).await;
    let answered = preflight(&unlisted, &unlisted.legacy("QRCodeSignIn"), LISTED, "POST").await;
    assert_no_cors(answered.headers());
    Reply::from_response(answered).assert_error(403, "is not one of this app's web origins");
}

#[tokio::test]
async fn a_page_costs_one_read_per_instance_every_ten_seconds() {
    let h = listing(&[LISTED]).await;
    let key = h.strict_key().await;
    h.requests.take();
    let poll = json!({"signInKey": key, "codeVerifier": VERIFIER}).to_string();
    let target = h.legacy("QRCodeSignIn");

    let answered = preflight(&h, &target, LISTED, "POST").await;
    assert_eq!(
        (answered.status().as_u16(), h.requests.take()),
        (204, 1),
        "the app's web origins"
    );
    let answered = preflight(&h, &target, LISTED, "POST").await;
    assert_eq!(
        (answered.status().as_u16(), h.requests.take()),
        (204, 0),
        "remembered"
    );
    // A page's poll costs what a poll without Origin costs.
    let answered = h.respond("POST", &target, Some(&poll), &[]).await;
    let without_origin = h.requests.take();
    let to_page = h.respond("POST", &target, Some(&poll), &[origin(LISTED)]).await;
    assert_eq!(
        (to_page.status(), h.requests.take()),
        (answered.status(), without_origin)
    );
    assert_eq!(
        header(to_page.headers(), "access-control-allow-origin"),
        Some(LISTED)
    );
    // A v1 path reads at most its key's guard, once per instance (the
    // store may know the key already), as every v1 request does; the
    // origins are those remembered.
    let answered = preflight(&h, &h.v1("Scan"), LISTED, "POST").await;
    assert_eq!(answered.status(), 204);
    assert!(h.requests.take() <= 1, "more than the key's guard");
    let answered = preflight(&h, &h.v1("Scan"), LISTED, "POST").await;
    assert_eq!((answered.status().as_u16(), h.requests.take()), (204, 0));
}

#[tokio::test]
async fn a_changed_list_holds_at_an_instance_that_has_not_read_it() {
    let h = listing(&[LISTED]).await;
    let target = h.legacy("QRCodeScan");
    assert_eq!(preflight(&h, &target, LISTED, "POST").await.status(), 204);
    let h = h.listing(&[OTHER]).await;
    let fresh = h.another_instance();
    let ask = |from: &str| {
        testkit::request(
            "OPTIONS",
            &target,
            None,
            &[origin(from), ("Access-Control-Request-Method", "POST".to_owned())],
        )
    };
    assert_eq!(fresh.answer(ask(OTHER)).await.status(), 204);
    let refused = fresh.answer(ask(LISTED)).await;
    assert_no_cors(refused.headers());
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn a_removed_origin_stops_within_ten_seconds_at_an_instance_that_read_it() {
    let h = listing(&[LISTED]).await;
    let target = h.legacy("QRCodeScan");
    assert_eq!(preflight(&h, &target, LISTED, "POST").await.status(), 204);
    let h = h.listing(&[]).await;
    // What this instance read stands for up to ten seconds...
    assert_eq!(preflight(&h, &target, LISTED, "POST").await.status(), 204);
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    // ...and no longer.
    let refused = preflight(&h, &target, LISTED, "POST").await;
    assert_no_cors(refused.headers());
    assert_eq!(refused.status(), 403);
}
