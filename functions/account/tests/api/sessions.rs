//! Sessions that end: every sign-in starts one; signing out, ending one
//! from the session list, a two-factor change and the session cap end them,
//! and an ended session's access tokens are refused at once by every
//! instance, while the user's other sessions go on.

use futures_util::future::join_all;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::flows::session;
use serde_json::{Value, json};
use testkit::{LOCAL_SOURCE_IP, Reply, code_at, decode_claims};

use crate::common::{GOOD_PASSWORD, Harness};

fn sign_in_body(user_name: &str) -> Value {
    json!({"userName": user_name, "pwd": GOOD_PASSWORD})
}

/// A password sign-in from a browser of `user_agent`: its token model.
async fn sign_in_as(h: &Harness, user_name: &str, user_agent: &str) -> Value {
    let reply = h
        .send_json(
            "POST",
            &h.path("SignIn"),
            Some(&sign_in_body(user_name)),
            &[("user-agent", user_agent.to_owned())],
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.data().clone()
}

fn access(tokens: &Value) -> &str {
    tokens["access_token"].as_str().unwrap()
}

async fn profile(h: &Harness, token: &str) -> Reply {
    h.get_with_token(&h.path("Profile"), token).await
}

/// The profile, as a cold instance reads it: nothing is remembered per
/// instance, so what one ended no other still accepts.
async fn profile_elsewhere(h: &Harness, token: &str) -> u16 {
    let target = h.path("Profile");
    let request = testkit::request(
        "GET",
        &target,
        None,
        &[("authorization", format!("Bearer {token}"))],
    );
    h.another_instance().answer(request).await.status().as_u16()
}

fn sessions_path(h: &Harness) -> String {
    h.v1("User", "/Sessions")
}

#[tokio::test]
async fn every_sign_in_starts_a_session_its_tokens_name() {
    let h = Harness::new(UnionIdProof::None).await;
    let signed_up = h.sign_up("alice", GOOD_PASSWORD).await;
    let first = sign_in_as(&h, "alice", "Phone/1.0").await;
    let sid = |token: &str| decode_claims(token)["sid"].as_str().unwrap().to_owned();
    assert_ne!(
        sid(&signed_up),
        sid(access(&first)),
        "each sign-in its own session"
    );
    let refresh = first["refresh_token"].as_str().unwrap();
    assert!(
        refresh.contains(&sid(access(&first))),
        "the refresh token names its session"
    );
    assert!(refresh.len() > 43 + 42, "256 random bits and the session's place");
    // Only a hash of the refresh token is kept.
    let stored = h
        .store
        .sessions_of(h.app.id, h.user_id(&signed_up))
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    let secret = refresh.rsplit('.').next().unwrap();
    assert!(!format!("{stored:?}").contains(secret));
}

#[tokio::test]
async fn signing_out_ends_this_session_and_everywhere_ends_them_all() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("bob", GOOD_PASSWORD).await;
    let phone = sign_in_as(&h, "bob", "Phone/1.0").await;
    let laptop = sign_in_as(&h, "bob", "Laptop/1.0").await;
    let tablet = sign_in_as(&h, "bob", "Tablet/1.0").await;
    assert_eq!(profile(&h, access(&phone)).await.status, 200);
    let sign_out = h.v1("User", "/SignOut");

    let reply = h
        .with_token(
            "POST",
            &sign_out,
            Some(&json!({"everywhere": false})),
            access(&phone),
        )
        .await;
    assert_eq!(reply.data(), &json!(true));
    profile(&h, access(&phone))
        .await
        .assert_error(401, "session has ended");
    assert_eq!(
        profile_elsewhere(&h, access(&phone)).await,
        401,
        "on every instance"
    );
    assert_eq!(
        profile(&h, access(&laptop)).await.status,
        200,
        "other sessions go on"
    );

    h.with_token(
        "POST",
        &sign_out,
        Some(&json!({"everywhere": true})),
        access(&laptop),
    )
    .await
    .data();
    for tokens in [&laptop, &tablet] {
        assert_eq!(profile_elsewhere(&h, access(tokens)).await, 401);
    }
    // Signed out, a token signs nothing out again, nor lists anything.
    h.with_token("POST", &sign_out, Some(&json!({})), access(&tablet))
        .await
        .assert_error(401, "session has ended");
    let again = h.sign_in("bob", GOOD_PASSWORD).await.token();
    assert_eq!(profile(&h, &again).await.status, 200, "signing in again works");
    h.with_token("POST", &sign_out, Some(&json!({"everywhere": "yes"})), &again)
        .await
        .assert_error(400, "everywhere");
    assert_eq!(
        profile(&h, &again).await.status,
        200,
        "a refused sign-out ends nothing"
    );
}

#[tokio::test]
async fn the_session_list_shows_live_sessions_and_ends_one() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("carol", GOOD_PASSWORD).await;
    let lost_phone = sign_in_as(&h, "carol", "LostPhone/2.0").await;
    let laptop = sign_in_as(&h, "carol", "Laptop/1.0").await;
    let listed = h.get_with_token(&sessions_path(&h), access(&laptop)).await;
    let sessions = listed.data().as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3, "sign-up, phone, laptop: {sessions:?}");
    let phone_row = sessions
        .iter()
        .find(|row| row["userAgent"] == "LostPhone/2.0")
        .unwrap();
    assert_eq!(phone_row["current"], false);
    assert_eq!(phone_row["signInMethod"], "password");
    assert_eq!(phone_row["sourceIp"], LOCAL_SOURCE_IP);
    assert_eq!(phone_row["platform"], "web");
    assert!(phone_row["createDate"].is_string() && phone_row["lastUsed"].is_string());
    let current: Vec<&Value> = sessions.iter().filter(|row| row["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["userAgent"], "Laptop/1.0");

    let phone_id = phone_row["id"].as_str().unwrap();
    let end = format!("{}/{phone_id}", sessions_path(&h));
    assert_eq!(
        h.with_token("DELETE", &end, None, access(&laptop)).await.data(),
        &json!(true)
    );
    assert_eq!(profile_elsewhere(&h, access(&lost_phone)).await, 401);
    assert_eq!(profile(&h, access(&laptop)).await.status, 200);
    let after = h.get_with_token(&sessions_path(&h), access(&laptop)).await;
    assert_eq!(after.data().as_array().unwrap().len(), 2);
    // Ended already, malformed, or another user's: the same 404.
    h.with_token("DELETE", &end, None, access(&laptop))
        .await
        .assert_error(404, "no live session");
    let other = h.sign_up("dave", GOOD_PASSWORD).await;
    let daves = h.get_with_token(&sessions_path(&h), &other).await;
    let daves_id = daves.data()[0]["id"].as_str().unwrap().to_owned();
    for id in [daves_id.as_str(), "not-a-session", &"0".repeat(44)] {
        h.with_token(
            "DELETE",
            &format!("{}/{id}", sessions_path(&h)),
            None,
            access(&laptop),
        )
        .await
        .assert_error(404, "no live session");
    }
    assert_eq!(
        profile(&h, &other).await.status,
        200,
        "dave's session is untouched"
    );
}

#[tokio::test]
async fn turning_two_factor_on_ends_the_other_sessions() {
    let h = Harness::new(UnionIdProof::None).await;
    let enrolling = h.sign_up("erin", GOOD_PASSWORD).await;
    let elsewhere = h.sign_in("erin", GOOD_PASSWORD).await.token();
    let path = h.two_factor_path();
    let enrolment = h.with_token("GET", &path, None, &enrolling).await;
    let key = enrolment.data()["manualEntryKey"].as_str().unwrap().to_owned();
    let on = json!({"code": code_at(&key, oauthapp_shared::domain::clock::now())});
    assert_eq!(
        h.with_token("POST", &path, Some(&on), &enrolling).await.status,
        200
    );
    profile(&h, &elsewhere)
        .await
        .assert_error(401, "session has ended");
    assert_eq!(
        profile(&h, &enrolling).await.status,
        200,
        "the session that turned it on stays"
    );
}

#[tokio::test]
async fn past_the_cap_a_sign_in_ends_the_oldest_session() {
    let h = Harness::with_env(UnionIdProof::None, &[("SESSIONS_PER_USER", "3")]).await;
    let oldest = h.sign_up("frank", GOOD_PASSWORD).await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        tokens.push(h.sign_in("frank", GOOD_PASSWORD).await.token());
    }
    assert_eq!(
        profile(&h, &oldest).await.status,
        401,
        "the fourth sign-in ended the first"
    );
    for token in &tokens {
        assert_eq!(profile(&h, token).await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sign_ins_on_several_instances_never_exceed_the_cap() {
    let h = Harness::with_env(UnionIdProof::None, &[("SESSIONS_PER_USER", "4")]).await;
    let first = h.sign_up("grace", GOOD_PASSWORD).await;
    let instances: Vec<_> = (0..4).map(|_| h.another_instance()).collect();
    let body = sign_in_body("grace").to_string();
    let requests = instances
        .iter()
        .cycle()
        .take(12)
        .map(|instance| instance.answer(testkit::request("POST", &h.path("SignIn"), Some(&body), &[])));
    let answers = join_all(requests).await;
    let ok = answers.iter().filter(|answer| answer.status() == 200).count();
    assert!(ok >= 4, "{ok} of 12 signed in");
    let user = h.store.user(h.app.id, h.user_id(&first)).await.unwrap().unwrap();
    assert!(user.sessions.len() <= 4, "{} live sessions", user.sessions.len());
    let others: Vec<_> = answers.iter().filter(|answer| answer.status() != 200).collect();
    for answer in others {
        assert!(
            [429, 503].contains(&answer.status().as_u16()),
            "a sign-in that lost every race is busy or limited: {}",
            answer.status()
        );
    }
}

/// A refresh as the token endpoint makes it (`flows::session::refresh`), on
/// the services of an instance.
async fn refresh(
    services: &oauthapp_shared::Services,
    app_id: u64,
    token: &str,
) -> Result<Value, &'static str> {
    session::refresh(services, app_id, token)
        .await
        .expect("no store failure")
        .map(|tokens| serde_json::to_value(tokens).unwrap())
}

fn refresh_token(tokens: &Value) -> &str {
    tokens["refresh_token"].as_str().unwrap()
}

#[tokio::test]
async fn a_refresh_rotates_the_refresh_token_within_the_same_session() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("henry", GOOD_PASSWORD).await;
    let signed_in = sign_in_as(&h, "henry", "Phone/1.0").await;
    let next = refresh(h.services(), h.app.id, refresh_token(&signed_in))
        .await
        .unwrap();
    assert_ne!(refresh_token(&next), refresh_token(&signed_in));
    let claims = |tokens: &Value| decode_claims(access(tokens));
    assert_eq!(
        claims(&next)["sid"],
        claims(&signed_in)["sid"],
        "the same session"
    );
    assert_eq!(
        claims(&next)["auth_time"],
        claims(&signed_in)["auth_time"],
        "a refresh is no sign-in"
    );
    assert_eq!(profile(&h, access(&next)).await.status, 200);
    // Another app's refresh of this token, or a forged one, gets nothing.
    let forged = format!("{}x", &refresh_token(&next)[..refresh_token(&next).len() - 1]);
    assert_eq!(
        refresh(h.services(), h.app.id, &forged).await,
        Err(session::REFUSED)
    );
    assert_eq!(
        refresh(h.services(), h.app.id, "garbage").await,
        Err(session::REFUSED)
    );
    assert_eq!(
        profile(&h, access(&next)).await.status,
        200,
        "a forged token ends nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tabs_refreshing_at_once_on_several_instances_all_keep_working() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("iris", GOOD_PASSWORD).await;
    let signed_in = sign_in_as(&h, "iris", "Browser/1.0").await;
    let instances: Vec<_> = (0..4).map(|_| testkit::another_instance(h.services())).collect();
    let token = refresh_token(&signed_in).to_owned();
    let refreshes = instances
        .iter()
        .map(|services| refresh(services, h.app.id, &token));
    let answers = join_all(refreshes).await;
    let sid = decode_claims(access(&signed_in))["sid"].clone();
    for answer in &answers {
        let tokens = answer.as_ref().expect("each tab gets a working pair");
        assert_eq!(decode_claims(access(tokens))["sid"], sid, "no fork: one session");
        assert!(
            refresh(h.services(), h.app.id, refresh_token(tokens))
                .await
                .is_ok()
        );
    }
    let user = h
        .store
        .user(h.app.id, h.user_id(access(&signed_in)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        user.sessions.len(),
        2,
        "the sign-up's and this one: {:?}",
        user.sessions
    );
}

#[tokio::test]
async fn a_refresh_token_used_again_after_the_grace_ends_its_session() {
    let h = Harness::with_env(UnionIdProof::None, &[("REFRESH_TOKEN_REUSE_GRACE_SECONDS", "1")]).await;
    h.sign_up("jack", GOOD_PASSWORD).await;
    let stolen = sign_in_as(&h, "jack", "Phone/1.0").await;
    let other = sign_in_as(&h, "jack", "Laptop/1.0").await;
    let owner = refresh(h.services(), h.app.id, refresh_token(&stolen))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    // The thief replays the copied token: the whole session ends.
    assert_eq!(
        refresh(h.services(), h.app.id, refresh_token(&stolen)).await,
        Err(session::REUSED)
    );
    assert_eq!(
        refresh(h.services(), h.app.id, refresh_token(&owner)).await,
        Err(session::REFUSED)
    );
    assert_eq!(
        profile(&h, access(&owner)).await.status,
        401,
        "its access tokens too"
    );
    assert_eq!(profile(&h, access(&stolen)).await.status, 401);
    assert_eq!(
        profile(&h, access(&other)).await.status,
        200,
        "other sessions go on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_racing_a_sign_out_everywhere_leaves_nothing_live() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("kate", GOOD_PASSWORD).await;
    for _ in 0..5 {
        let tokens = sign_in_as(&h, "kate", "Phone/1.0").await;
        let instance = testkit::another_instance(h.services());
        let (path, everywhere) = (h.v1("User", "/SignOut"), json!({"everywhere": true}));
        let sign_out = h.with_token("POST", &path, Some(&everywhere), access(&tokens));
        let (refreshed, signed_out) =
            tokio::join!(refresh(&instance, h.app.id, refresh_token(&tokens)), sign_out);
        assert_eq!(signed_out.status, 200);
        if let Ok(refreshed) = refreshed {
            // Refreshed first: the sign-out ended what the refresh handed out.
            assert_eq!(profile(&h, access(&refreshed)).await.status, 401);
            assert_eq!(
                refresh(h.services(), h.app.id, refresh_token(&refreshed)).await,
                Err(session::REFUSED)
            );
        }
        let user = h
            .store
            .user(h.app.id, h.user_id(access(&tokens)))
            .await
            .unwrap()
            .unwrap();
        assert!(user.sessions.is_empty(), "{:?}", user.sessions);
    }
}

/// The interleaving the race above may or may not hit, step by step: a
/// refresh reads the session, a sign-out everywhere ends it, then the
/// refresh writes its rotation. The write must not bring the session back.
#[tokio::test]
async fn a_refresh_that_read_the_session_before_a_sign_out_cannot_write_it_back() {
    use oauthapp_shared::domain::clock;
    use oauthapp_shared::domain::session::{Refresh, RefreshToken};
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("lena", GOOD_PASSWORD).await;
    let tokens = sign_in_as(&h, "lena", "Phone/1.0").await;
    let presented = RefreshToken::parse(refresh_token(&tokens)).unwrap();
    let (_, _, session) = h
        .store
        .app_user_and_session(h.app.id, presented.user_id, &presented.session_id)
        .await
        .unwrap();
    let mut session = session.expect("the session, as the refresh read it");

    let path = h.v1("User", "/SignOut");
    let signed_out = h
        .with_token("POST", &path, Some(&json!({"everywhere": true})), access(&tokens))
        .await;
    assert_eq!(signed_out.status, 200);

    let policy = &h.services().config.sessions;
    let Refresh::Issued(next) = session.refresh(&presented, clock::now(), policy) else {
        panic!("the session as read issues a token");
    };
    assert!(
        !h.store.save_session(&session).await.unwrap(),
        "the rotation's write must lose to the ending"
    );
    assert_eq!(
        refresh(h.services(), h.app.id, &next.text()).await,
        Err(session::REFUSED)
    );
}
