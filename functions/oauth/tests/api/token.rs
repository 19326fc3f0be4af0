//! `POST /oauth2/token`: RFC 6749 §6 refreshes, §5.1 answers, §5.2 errors.

use futures_util::future::join_all;
use oauthapp_shared::domain::UnionIdProof;
use serde_json::json;
use testkit::decode_claims;

use crate::Harness;

#[tokio::test]
async fn a_form_refresh_answers_rfc_6749_json_and_rotates_the_refresh_token() {
    let h = Harness::fresh().await;
    let signed_in = h.signed_in().await;
    let first = signed_in.refresh_token.clone().unwrap();
    let answer = h.refresh(&first).await;
    let tokens = answer.tokens();
    let mut fields: Vec<&str> = answer
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 86_400);
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.header("pragma"), Some("no-cache"));
    let next = tokens.refresh_token.clone().unwrap();
    assert_ne!(next, first);
    let (before, after) = (
        decode_claims(&signed_in.access_token),
        decode_claims(&tokens.access_token),
    );
    assert_eq!(after["sid"], before["sid"], "the same session");
    assert_eq!(
        after["auth_time"], before["auth_time"],
        "a refresh is no new sign-in"
    );
    // The new refresh token works in turn; so does JSON.
    let body = json!({"grant_type": "refresh_token", "refresh_token": next, "client_id": h.app.key});
    let json = h.send_json("POST", "/oauth2/token", Some(&body), &[]).await;
    assert_eq!(json.status, 200, "{:?}", json.body);
    assert!(json.body["refresh_token"].is_string());
}

/// Form fields, and the status and error code they get.
type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);

#[tokio::test]
async fn bad_requests_get_their_rfc_6749_error_and_change_nothing() {
    let h = Harness::fresh().await;
    let other = Harness::new(UnionIdProof::None).await;
    let signed_in = h.signed_in().await;
    let refresh_token = signed_in.refresh_token.clone().unwrap();
    let key = h.app.key.clone();
    let cases: Vec<Case> = vec![
        (
            vec![("refresh_token", &refresh_token), ("client_id", &key)],
            400,
            "invalid_request",
        ),
        (
            vec![("grant_type", "refresh_token"), ("client_id", &key)],
            400,
            "invalid_request",
        ),
        (
            vec![("grant_type", "refresh_token"), ("refresh_token", &refresh_token)],
            400,
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
                ("client_id", &key),
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", "1.garbage.x"),
                ("client_id", &key),
            ],
            400,
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
                ("client_id", "no-such-app"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
                ("client_id", &key),
                ("client_id", &key),
            ],
            400,
            "invalid_request",
        ),
    ];
    for (fields, status, code) in cases {
        h.form("/oauth2/token", &fields)
            .await
            .assert_oauth_error(status, code);
    }
    let unknown = h
        .form(
            "/oauth2/token",
            &[("client_id", "no-such-app"), ("grant_type", "refresh_token")],
        )
        .await;
    assert!(unknown.header("www-authenticate").is_some());
    // Another app's client id cannot refresh this app's session.
    other
        .refresh(&refresh_token)
        .await
        .assert_oauth_error(400, "invalid_grant");
    let not_json = h
        .respond(
            "POST",
            "/oauth2/token",
            Some("{"),
            &[("content-type", "application/json".into())],
        )
        .await;
    assert_eq!(not_json.status(), 400);
    // The path and the method keep their statuses, in RFC 6749's shape.
    let no_route = crate::Answer::new(h.respond("POST", "/oauth2/authorize", Some(""), &[]).await);
    no_route.assert_oauth_error(404, "invalid_request");
    let no_method = crate::Answer::new(h.respond("GET", "/oauth2/token", None, &[]).await);
    no_method.assert_oauth_error(405, "invalid_request");
    // None of it touched the session: the refresh token still works, once.
    assert_eq!(h.refresh(&refresh_token).await.status, 200);
}

#[tokio::test]
async fn a_retired_refresh_token_after_the_grace_ends_the_whole_session() {
    let h = Harness::with_env(UnionIdProof::None, &[("REFRESH_TOKEN_REUSE_GRACE_SECONDS", "1")]).await;
    let signed_in = h.signed_in().await;
    let stolen = signed_in.refresh_token.clone().unwrap();
    let owner = h.refresh(&stolen).await.tokens();
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    h.refresh(&stolen).await.assert_oauth_error(400, "invalid_grant");
    // Every token of the session is refused now, the owner's too.
    h.refresh(owner.refresh_token.as_deref().unwrap())
        .await
        .assert_oauth_error(400, "invalid_grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refreshes_at_once_on_several_instances_all_work_and_keep_one_session() {
    let h = Harness::fresh().await;
    let signed_in = h.signed_in().await;
    let token = signed_in.refresh_token.clone().unwrap();
    let instances: Vec<_> = (0..4).map(|_| h.another_instance()).collect();
    let key = h.app.key.clone();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "refresh_token"),
            ("refresh_token", &token),
            ("client_id", &key),
        ])
        .finish();
    let content_type = [("content-type", "application/x-www-form-urlencoded".to_owned())];
    let answers = join_all(instances.iter().map(|instance| {
        instance.answer(testkit::request(
            "POST",
            "/oauth2/token",
            Some(&body),
            &content_type,
        ))
    }))
    .await;
    let sid = decode_claims(&signed_in.access_token)["sid"].clone();
    for answer in answers {
        let answer = crate::Answer::new(answer);
        let tokens = answer.tokens();
        assert_eq!(decode_claims(&tokens.access_token)["sid"], sid, "no fork");
        assert_eq!(
            h.refresh(tokens.refresh_token.as_deref().unwrap()).await.status,
            200
        );
    }
}
