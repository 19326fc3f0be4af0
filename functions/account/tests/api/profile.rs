//! v1 `GET` and `PUT /User/{appKey}/Profile`: every kept field and no
//! secret, the extended profile, and the switches of each way to sign in,
//! of which the last cannot be switched off.

use futures_util::future::join_all;
use oauthapp_shared::auth::password;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::clock;
use oauthapp_shared::store::{BalanceChange, EntryNote, NewUser};
use serde_json::{Value, json};
use testkit::Reply;

use crate::common::{GOOD_PASSWORD, Harness};

const PLATFORM: &str = "wxminip";

impl Harness {
    fn profile_path(&self) -> String {
        self.v1("User", "/Profile")
    }

    async fn v1_profile(&self, token: &str) -> Value {
        let reply = self.get_with_token(&self.profile_path(), token).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.data().clone()
    }

    async fn v1_put_profile(&self, body: &Value, token: &str) -> Reply {
        self.with_token("PUT", &self.profile_path(), Some(body), token)
            .await
    }

    /// A user with a user name and password and a union id; their token.
    async fn two_way_user(&self, user_name: &str, union_id: &str) -> String {
        let new_user = NewUser {
            platform: PLATFORM.into(),
            user_name: Some(user_name.into()),
            password_hash: Some(password::hash(GOOD_PASSWORD)),
            union_id: Some(union_id.into()),
            ..NewUser::default()
        };
        self.create_user(new_user).await.1
    }

    async fn union_id_sign_in(&self, union_id: &str) -> Reply {
        self.send_json(
            "POST",
            &self.v1("User", "/UnionIDSignIn"),
            Some(&json!({"platform": PLATFORM, "unionID": union_id})),
            &[],
        )
        .await
    }
}

#[tokio::test]
async fn the_v1_profile_shows_every_kept_field_and_no_secret() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("profile-owner", GOOD_PASSWORD).await;
    let changes = json!({
        "nickName": "小明同学",
        "biography": "写代码的人",
        "gender": "male",
        "company": "Studio",
        "birthday": "1990-05-01T23:30:00+08:00",
        "enable2FAAuth": false,
        "enableEmailSignIn": true,
    });
    let reply = h.v1_put_profile(&changes, &token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.data(), &json!(true));

    let reply = h.get_with_token(&h.profile_path(), &token).await;
    let raw = reply.body.to_string();
    for secret in ["pwd", "passwordHash", "totp", "sessions"] {
        assert!(!raw.contains(secret), "`{secret}` in {raw}");
    }
    let profile = reply.data();
    let user = &profile["user"];
    assert_eq!(user["userName"], "profile-owner");
    assert_eq!(user["nickName"], "小明同学");
    assert_eq!(user["biography"], "写代码的人");
    assert_eq!(user["company"], "Studio");
    assert_eq!(user["birthday"], "1990-05-01 00:00:00", "the date as sent");
    assert_eq!(user["enableUserNameSignIn"], true);
    assert_eq!(user["enableOAuth"], true);
    assert_eq!(user["enable2FAAuth"], false);
    assert_eq!(user["id"], h.user_id(&token));
    assert_eq!(profile["role"], "user");
    assert_eq!(
        profile["currencies"],
        json!([{"userID": h.user_id(&token), "currencyCode": "points", "balance": 0}])
    );
    // Every balance of the user: the points first, then the others'.
    let gold = BalanceChange {
        currency: "gold",
        amount: 5,
    };
    h.store
        .change_balances(
            h.app.id,
            h.user_id(&token),
            &[gold],
            &EntryNote::default(),
            clock::now(),
        )
        .await
        .unwrap();
    let with_gold = h.get_with_token(&h.profile_path(), &token).await;
    assert_eq!(
        with_gold.body["data"]["currencies"],
        json!([
            {"userID": h.user_id(&token), "currencyCode": "points", "balance": 0},
            {"userID": h.user_id(&token), "currencyCode": "gold", "balance": 5},
        ])
    );
    // The legacy profile keeps the seed's shape, with the same change.
    let legacy = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(legacy.body["data"]["nickName"], "小明同学");
    assert!(legacy.body["data"].get("biography").is_none(), "{}", legacy.body);

    // Empty clears; absent keeps.
    let cleared = h
        .v1_put_profile(&json!({"biography": "", "birthday": ""}), &token)
        .await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    let user = h.v1_profile(&token).await["user"].clone();
    assert_eq!(user["biography"], "");
    assert_eq!(user["birthday"], Value::Null);
    assert_eq!(user["company"], "Studio");
}

#[tokio::test]
async fn bad_profile_changes_are_refused_and_change_nothing() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("careful-owner", GOOD_PASSWORD).await;
    let before = h.v1_profile(&token).await;
    for (body, problem) in [
        (json!({"biography": "x".repeat(501)}), "`biography`"),
        (json!({"gender": "x".repeat(16)}), "`gender`"),
        (json!({"nickName": "x".repeat(51)}), "`nickName`"),
        (json!({"avatar": "x".repeat(256)}), "`avatar`"),
        (json!({"company": "bad\u{202e}text"}), "`company`"),
        (json!({"birthday": "01/05/1990"}), "`birthday`"),
        (json!({"birthday": "2999-01-01"}), "`birthday`"),
        (json!({"enable2FAAuth": true}), "TwoFactorAuth"),
        (json!({"enableUserNameSignIn": false}), "no way to sign in"),
        (json!({"enableOAuth": "no"}), "enableOAuth"),
        (json!({"biography": 5, "nickName": "changed"}), "biography"),
    ] {
        h.v1_put_profile(&body, &token).await.assert_error(400, problem);
    }
    assert_eq!(h.v1_profile(&token).await, before, "nothing changed");
}

#[tokio::test]
async fn a_way_switched_off_is_refused_and_the_last_way_stays_on() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.two_way_user("two-ways", "union-of-two-ways").await;

    let off = h
        .v1_put_profile(&json!({"enableUserNameSignIn": false}), &token)
        .await;
    assert_eq!(off.status, 200, "the union id still signs in: {}", off.body);
    h.sign_in("two-ways", GOOD_PASSWORD)
        .await
        .assert_error(403, "switched off");
    // A wrong password says nothing about the switch.
    h.sign_in("two-ways", "not-the-password")
        .await
        .assert_error(401, "incorrect");
    let by_union_id = h.union_id_sign_in("union-of-two-ways").await;
    assert_eq!(by_union_id.status, 200, "{}", by_union_id.body);

    h.v1_put_profile(&json!({"enableUnionIDSignIn": false}), &token)
        .await
        .assert_error(400, "no way to sign in");
    let swapped = h
        .v1_put_profile(
            &json!({"enableUserNameSignIn": true, "enableUnionIDSignIn": false}),
            &token,
        )
        .await;
    assert_eq!(swapped.status, 200, "{}", swapped.body);
    h.union_id_sign_in("union-of-two-ways")
        .await
        .assert_error(403, "switched off");
    assert_eq!(h.sign_in("two-ways", GOOD_PASSWORD).await.status, 200);
    // QR sign-in of another device needs a device signed in, so it is no
    // way in of its own: switching it off is always allowed.
    let qr_off = h.v1_put_profile(&json!({"enableOAuth": false}), &token).await;
    assert_eq!(qr_off.status, 200, "{}", qr_off.body);
}

#[tokio::test]
async fn switching_off_both_ways_at_once_on_two_instances_leaves_one_on() {
    let h = Harness::new(UnionIdProof::None).await;
    for round in 0..4 {
        let union_id = format!("racing-union-{round}");
        let token = h.two_way_user(&format!("racing-ways-{round}"), &union_id).await;
        let target = h.profile_path();
        let bodies = [
            json!({"enableUserNameSignIn": false}).to_string(),
            json!({"enableUnionIDSignIn": false}).to_string(),
        ];
        let instances: Vec<_> = (0..2).map(|_| h.another_instance()).collect();
        let replies = join_all(instances.iter().zip(&bodies).map(|(instance, body)| {
            let request = testkit::request("PUT", &target, Some(body), &[testkit::bearer(&token)]);
            async move { Reply::from_response(instance.answer(request).await) }
        }))
        .await;
        let applied = replies.iter().filter(|reply| reply.status == 200).count();
        assert_eq!(applied, 1, "round {round}: {replies:?}");
        let user = h.v1_profile(&token).await["user"].clone();
        assert!(
            user["enableUserNameSignIn"] == true || user["enableUnionIDSignIn"] == true,
            "round {round}: {user}"
        );
    }
}
