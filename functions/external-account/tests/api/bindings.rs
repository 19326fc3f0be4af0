//! Binding, listing, changing and removing external accounts, against
//! DynamoDB Local.

use std::sync::Arc;

use oauthapp_shared::domain::{AppCard, UnionIdProof, clock};
use oauthapp_shared::store::NewApp;
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn seed_bodies_bind_list_update_and_remove() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("binder", "secret-1").await;
    let user_id = h.user_id(&token);

    let bound = h.bind(&token, "github", "gh-4711").await;
    assert_eq!(bound.status, 200, "{bound:?}");
    assert_eq!(bound.body, json!({"code": 200, "data": true, "error": ""}));

    let list = h.list(&token).await;
    assert_eq!(list.len(), 1);
    let login = &list[0];
    let keys: Vec<&str> = login.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "userID",
            "platformName",
            "platform",
            "unionID",
            "avatar",
            "data",
            "enable",
            "createDate",
            "lastUpdate"
        ]
    );
    assert_eq!(login["userID"], user_id);
    assert_eq!(login["platform"], "github");
    assert_eq!(login["platformName"], "github account");
    assert_eq!(login["unionID"], "gh-4711");
    assert_eq!(login["avatar"], "https://blob.example/a.png");
    assert_eq!(login["data"], "{\"k\":1}");
    assert_eq!(login["enable"], true);
    assert_eq!(
        login["createDate"].as_str().unwrap().len(),
        "2023-02-22 16:20:43".len()
    );
    let id = login["id"].as_u64().unwrap();

    // Partial PUT: only avatar changes.
    let put = h
        .with_token(
            "PUT",
            &h.external(&format!("/{id}")),
            Some(&json!({"avatar": "b.png"})),
            &token,
        )
        .await;
    assert_eq!(put.body, json!({"code": 200, "data": true, "error": ""}));
    let after = &h.list(&token).await[0];
    assert_eq!(after["avatar"], "b.png");
    assert_eq!(after["data"], "{\"k\":1}");
    assert_eq!(after["enable"], true);

    // The seed's full PUT body.
    let put = h
        .with_token(
            "PUT",
            &h.external(&format!("/{id}")),
            Some(&json!({"avatar": "", "data": "", "enable": false})),
            &token,
        )
        .await;
    assert_eq!(put.status, 200, "{put:?}");
    let after = &h.list(&token).await[0];
    assert_eq!(
        (after["avatar"].as_str(), after["data"].as_str()),
        (Some(""), Some(""))
    );
    assert_eq!(after["enable"], false);

    let removed = h
        .with_token("DELETE", &h.external(&format!("/{id}")), None, &token)
        .await;
    assert_eq!(removed.body, json!({"code": 200, "data": true, "error": ""}));
    assert!(h.list(&token).await.is_empty());
    // The pair is free again: another user binds it.
    let other = h.password_user("next-owner", "secret-1").await;
    assert_eq!(h.bind(&other, "github", "gh-4711").await.status, 200);
    assert_eq!(h.list(&other).await.len(), 1);
}

#[tokio::test]
async fn binding_again_succeeds_and_changes_nothing() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("twice", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "same").await.status, 200);
    let before = h.stored_bindings(&token).await;
    let again = h
        .with_token(
            "POST",
            &h.external(""),
            Some(
                &json!({"unionID": "same", "platform": "github", "platformName": "changed?", "avatar": "x"}),
            ),
            &token,
        )
        .await;
    assert_eq!(again.body, json!({"code": 200, "data": true, "error": ""}));
    assert_eq!(h.stored_bindings(&token).await, before);
}

#[tokio::test]
async fn a_pair_bound_to_another_user_is_a_conflict() {
    let h = Harness::new(UnionIdProof::None).await;
    let ann = h.password_user("ann", "secret-1").await;
    let bob = h.password_user("bob", "secret-1").await;
    assert_eq!(h.bind(&ann, "github", "shared-id").await.status, 200);
    h.bind(&bob, "github", "shared-id")
        .await
        .assert_error(409, "bound to another user");
    assert!(h.list(&bob).await.is_empty());
    // The same unionID on another platform is another pair.
    assert_eq!(h.bind(&bob, "gitlab", "shared-id").await.status, 200);
}

#[tokio::test]
async fn a_union_id_sign_up_counts_as_a_binding() {
    let h = Harness::new(UnionIdProof::None).await;
    let (_, wechat) = h.union_id_user("wxminip", "o-wechat-1").await;
    let list = h.list(&wechat).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        (list[0]["platform"].as_str(), list[0]["unionID"].as_str()),
        (Some("wxminip"), Some("o-wechat-1"))
    );
    assert_eq!(list[0]["enable"], true);
    // Binding it again is the no-op success; for anyone else it is taken.
    assert_eq!(h.bind(&wechat, "wxminip", "o-wechat-1").await.status, 200);
    let other = h.password_user("other", "secret-1").await;
    h.bind(&other, "wxminip", "o-wechat-1")
        .await
        .assert_error(409, "bound to another user");
    // The next binding is numbered after the sign-up's.
    assert_eq!(h.bind(&wechat, "github", "gh-1").await.status, 200);
    let ids: Vec<u64> = h
        .list(&wechat)
        .await
        .iter()
        .map(|b| b["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
}

#[tokio::test]
async fn users_cannot_see_change_or_remove_each_others_bindings() {
    let h = Harness::new(UnionIdProof::None).await;
    let ann = h.password_user("owner-ann", "secret-1").await;
    let bob = h.password_user("intruder-bob", "secret-1").await;
    assert_eq!(h.bind(&ann, "github", "ann-gh").await.status, 200);
    let before = h.stored_bindings(&ann).await;
    let id = before[0].id;

    assert!(h.list(&bob).await.is_empty());
    let path = h.external(&format!("/{id}"));
    h.with_token(
        "PUT",
        &path,
        Some(&json!({"enable": false, "avatar": "pwned"})),
        &bob,
    )
    .await
    .assert_error(404, &format!("no external account with id {id}"));
    h.with_token("DELETE", &path, None, &bob)
        .await
        .assert_error(404, "no external account");
    for missing in ["/99", "/0", "/abc", "/-1"] {
        h.with_token("DELETE", &h.external(missing), None, &ann)
            .await
            .assert_error(404, "no external account");
    }
    assert_eq!(h.stored_bindings(&ann).await, before);
}

#[tokio::test]
async fn binding_ids_in_paths_are_canonical_decimals() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("canonical", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "canonical-gh").await.status, 200);
    let before = h.stored_bindings(&token).await;
    let id = before[0].id;
    for raw in [format!("0{id}"), format!("+{id}"), format!("000{id}")] {
        let path = h.external(&format!("/{raw}"));
        h.with_token("PUT", &path, Some(&json!({"enable": false})), &token)
            .await
            .assert_error(404, "no external account");
        h.with_token("DELETE", &path, None, &token)
            .await
            .assert_error(404, "no external account");
    }
    assert_eq!(h.stored_bindings(&token).await, before);
}

#[tokio::test]
async fn platform_names_refuse_format_characters() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("namer", "secret-1").await;
    for c in ['\u{202E}', '\u{200B}', '\u{FEFF}'] {
        let body = json!({"unionID": "gh-1", "platform": "github", "platformName": format!("Git{c}Hub")});
        h.with_token("POST", &h.external(""), Some(&body), &token)
            .await
            .assert_error(400, "`platformName`");
        let body = json!({"unionID": "gh-1", "platform": "github", "avatar": format!("a{c}.png")});
        h.with_token("POST", &h.external(""), Some(&body), &token)
            .await
            .assert_error(400, "`avatar`");
    }
    assert!(h.stored_bindings(&token).await.is_empty(), "nothing was bound");
}

#[tokio::test]
async fn a_token_of_another_app_is_refused() {
    let h = Harness::new(UnionIdProof::None).await;
    let elsewhere = Harness::new(UnionIdProof::None).await;
    let foreign = elsewhere.password_user("foreigner", "secret-1").await;
    let token = h.password_user("local", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "local-gh").await.status, 200);
    let before = h.stored_bindings(&token).await;
    let id = before[0].id;

    h.bind(&foreign, "github", "foreign-gh")
        .await
        .assert_error(401, "");
    h.with_token("GET", &h.external(""), None, &foreign)
        .await
        .assert_error(401, "");
    h.with_token(
        "PUT",
        &h.external(&format!("/{id}")),
        Some(&json!({"enable": false})),
        &foreign,
    )
    .await
    .assert_error(401, "");
    h.with_token("DELETE", &h.external(&format!("/{id}")), None, &foreign)
        .await
        .assert_error(401, "");
    h.send("GET", &h.external(""), None, &[])
        .await
        .assert_error(401, "");
    assert_eq!(h.stored_bindings(&token).await, before);
    assert!(elsewhere.stored_bindings(&foreign).await.is_empty());
}

#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_removed_or_disabled() {
    let h = Harness::new(UnionIdProof::None).await;
    let (_, token) = h.union_id_user("wxminip", "only-way").await;
    let path = h.external("/1");
    h.with_token("DELETE", &path, None, &token)
        .await
        .assert_error(409, "last way to sign in");
    h.set_enabled(&token, 1, false)
        .await
        .assert_error(409, "last way to sign in");
    // A disabled second binding is no way to sign in either.
    assert_eq!(h.bind(&token, "github", "second").await.status, 200);
    let second = h.external("/2");
    assert_eq!(h.set_enabled(&token, 2, false).await.status, 200);
    h.with_token("DELETE", &path, None, &token)
        .await
        .assert_error(409, "last way to sign in");
    // Once the second is enabled, the first may go, and the second is last.
    assert_eq!(h.set_enabled(&token, 2, true).await.status, 200);
    assert_eq!(h.with_token("DELETE", &path, None, &token).await.status, 200);
    h.with_token("DELETE", &second, None, &token)
        .await
        .assert_error(409, "last way to sign in");
    // Removing the sign-up binding freed its unionID on the profile too
    // (the profile's `unionID` is the user's, read here from the store).
    let user = h.store.user(h.app.id, h.user_id(&token)).await.unwrap().unwrap();
    assert_eq!(user.union_id, None, "{user:?}");

    // A user with a password may remove every binding.
    let password = h.password_user("has-password", "secret-1").await;
    assert_eq!(h.bind(&password, "github", "removable").await.status, 200);
    assert_eq!(
        h.with_token("DELETE", &h.external("/1"), None, &password)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn bad_bodies_are_refused_and_change_nothing() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("validator", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "valid").await.status, 200);
    let before = h.stored_bindings(&token).await;
    // The v1 client's `UserLogins` limits: 255 and 50.
    let long = "x".repeat(256);
    let bad_binds = [
        (json!({"platform": "github"}), "unionID"),
        (json!({"unionID": "has space", "platform": "github"}), "unionID"),
        (
            json!({"unionID": "x".repeat(51), "platform": "github"}),
            "unionID",
        ),
        (json!({"unionID": "ok", "platform": "git-hub"}), "platform"),
        (json!({"unionID": "ok", "platform": ""}), "platform"),
        (
            json!({"unionID": "ok", "platform": "github", "avatar": long}),
            "avatar",
        ),
        (
            json!({"unionID": "ok", "platform": "github", "platformName": "x".repeat(51)}),
            "platformName",
        ),
        (json!({"unionID": 5, "platform": "github"}), "unionID"),
        (json!(["not", "an", "object"]), "object"),
    ];
    for (body, field) in bad_binds {
        h.with_token("POST", &h.external(""), Some(&body), &token)
            .await
            .assert_error(400, field);
    }
    let path = h.external(&format!("/{}", before[0].id));
    let bad_updates = [
        (json!({}), "at least one"),
        (json!({"enable": "no"}), "enable"),
        (json!({"avatar": "x".repeat(256)}), "avatar"),
        (json!({"data": 7}), "data"),
    ];
    for (body, field) in bad_updates {
        h.with_token("PUT", &path, Some(&body), &token)
            .await
            .assert_error(400, field);
    }
    assert_eq!(h.stored_bindings(&token).await, before);
}

#[tokio::test]
async fn an_app_demanding_signatures_binds_only_signed_requests() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let token = h.password_user("signed-binder", "secret-1").await;
    h.bind(&token, "github", "unsigned")
        .await
        .assert_error(401, "sign the request");
    assert!(h.stored_bindings(&token).await.is_empty());
    let body = json!({"unionID": "signed", "platform": "github"});
    let signed = h.post_signed(&h.external(""), &body, Some(&token)).await;
    assert_eq!(signed.status, 200, "{signed:?}");
    let list = h.list(&token).await;
    assert_eq!(
        list[0]["platformName"], "github",
        "platformName defaults to the platform"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_binds_of_one_pair_by_several_users_have_one_winner() {
    let h = Arc::new(Harness::new(UnionIdProof::None).await);
    let mut tokens = Vec::new();
    for i in 0..5 {
        tokens.push(h.password_user(&format!("racer-{i}"), "secret-1").await);
    }
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let (h, token) = (h.clone(), tokens[i % tokens.len()].clone());
            tokio::spawn(async move { (token.clone(), h.bind(&token, "github", "contested").await) })
        })
        .collect();
    let mut winners = std::collections::BTreeSet::new();
    for attempt in attempts {
        let (token, reply) = attempt.await.unwrap();
        match reply.status {
            200 => {
                winners.insert(token);
            }
            _ => reply.assert_error(409, "bound to another user"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one user owns the pair");
    let mut bound = 0;
    for token in &tokens {
        bound += h.stored_bindings(token).await.len();
    }
    assert_eq!(bound, 1, "one binding record in all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_user_binding_many_pairs_at_once_gets_distinct_ids() {
    let h = Arc::new(Harness::new(UnionIdProof::None).await);
    let token = h.password_user("collector", "secret-1").await;
    let attempts: Vec<_> = (0..10)
        .map(|i| {
            let (h, token) = (h.clone(), token.clone());
            tokio::spawn(async move { h.bind(&token, "github", &format!("gh-{i}")).await })
        })
        .collect();
    for attempt in attempts {
        assert_eq!(attempt.await.unwrap().status, 200);
    }
    let ids: Vec<u64> = h.stored_bindings(&token).await.iter().map(|b| b.id).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn removing_two_last_bindings_at_once_leaves_one() {
    let h = Arc::new(Harness::new(UnionIdProof::None).await);
    let (_, token) = h.union_id_user("wxminip", "two-ways").await;
    assert_eq!(h.bind(&token, "github", "second-way").await.status, 200);
    let attempts: Vec<_> = [1, 2]
        .into_iter()
        .map(|id| {
            let (h, token) = (h.clone(), token.clone());
            tokio::spawn(async move {
                h.with_token("DELETE", &h.external(&format!("/{id}")), None, &token)
                    .await
            })
        })
        .collect();
    let mut removed = 0;
    for attempt in attempts {
        let reply = attempt.await.unwrap();
        match reply.status {
            200 => removed += 1,
            _ => reply.assert_error(409, "last way to sign in"),
        }
    }
    assert_eq!(removed, 1);
    let left = h.stored_bindings(&token).await;
    assert_eq!(left.len(), 1);
    assert!(left[0].enable);
}

#[tokio::test]
async fn an_app_created_after_its_key_was_asked_for_is_found() {
    let h = Harness::new(UnionIdProof::None).await;
    let key = format!("later{}", h.app.id);
    let path = format!("/ExternalAccount/{key}");
    h.send("GET", &path, None, &[])
        .await
        .assert_error(404, "no app with key");
    h.store
        .create_app(
            NewApp {
                key: Some(key),
                tenant_id: "4".into(),
                tenant_name: "t".into(),
                card: AppCard::default(),
            },
            clock::now(),
        )
        .await
        .unwrap();
    // The same instance asks the guard again: an unknown key is not remembered.
    h.send("GET", &path, None, &[]).await.assert_error(401, "");
}

#[tokio::test]
async fn a_signed_bind_replayed_with_another_users_token_is_refused() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let alice = h.password_user("alice-signed", "secret-1").await;
    let bob = h.password_user("bob-signed", "secret-1").await;
    let target = h.external("");
    let body = json!({"unionID": "alice-gh", "platform": "github"}).to_string();
    let alices_bearer = testkit::bearer(&alice);
    let signed_for_alice = testkit::signature_headers(
        &h.app.secret,
        "POST",
        &target,
        &body,
        Some(&alices_bearer.1),
        clock::now(),
    );
    // Captured before Alice's own request arrives, so its nonce is still new.
    let mut as_bob = signed_for_alice.clone();
    as_bob.push(testkit::bearer(&bob));
    h.send("POST", &target, Some(&body), &as_bob)
        .await
        .assert_error(401, "SHA-256 of the Authorization header");
    assert!(
        h.stored_bindings(&bob).await.is_empty(),
        "Bob got Alice's GitHub account"
    );

    let mut as_alice = signed_for_alice;
    as_alice.push(alices_bearer);
    let reply = h.send("POST", &target, Some(&body), &as_alice).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(h.stored_bindings(&alice).await.len(), 1);
    assert!(h.stored_bindings(&bob).await.is_empty());
}

/// Turning off or removing an external account ends the sessions that
/// signed in with it, at once; the user's other sessions go on.
#[tokio::test]
async fn disabling_or_removing_a_binding_ends_the_sessions_it_signed_in() {
    let h = Harness::new(UnionIdProof::None).await;
    let owner = h.password_user("ender", "secret-1").await;
    assert_eq!(h.bind(&owner, "github", "gh-ends").await.status, 200);
    assert_eq!(h.bind(&owner, "gitee", "ge-ends").await.status, 200);
    let by_github = h.external_sign_in("github", "gh-ends", None).await.token();
    let by_gitee = h.external_sign_in("gitee", "ge-ends", None).await.token();
    let h = &h;
    let profile =
        |token: String| async move { h.with_token("GET", &h.external(""), None, &token).await.status };
    let ids: Vec<u64> = h
        .list(&owner)
        .await
        .iter()
        .map(|login| login["id"].as_u64().unwrap())
        .collect();

    assert_eq!(h.set_enabled(&owner, ids[0], false).await.status, 200);
    assert_eq!(
        profile(by_github.clone()).await,
        401,
        "signed in with the disabled account"
    );
    assert_eq!(profile(by_gitee.clone()).await, 200);
    assert_eq!(profile(owner.clone()).await, 200, "the password session goes on");

    let removed = h
        .with_token("DELETE", &h.external(&format!("/{}", ids[1])), None, &owner)
        .await;
    assert_eq!(removed.status, 200, "{removed:?}");
    assert_eq!(profile(by_gitee).await, 401, "signed in with the removed account");
    assert_eq!(profile(owner).await, 200);
}
