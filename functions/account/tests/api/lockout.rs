//! Sign-in failures: one answer for unknown user and wrong password, and the
//! per-account lockout.

use std::sync::Arc;
use std::time::Duration;

use oauthapp_shared::domain::{UnionIdProof, clock};
use serde_json::json;
use testkit::code_at;

use crate::common::{GOOD_PASSWORD, Harness};

/// `times` sign-ins of `user` with the wrong `pwd`, each checked and refused.
async fn wrong_passwords(h: &Harness, user: &str, pwd: &str, times: usize) {
    for _ in 0..times {
        h.sign_in(user, pwd).await.assert_error(401, "incorrect");
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_password_fail_identically() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("known", GOOD_PASSWORD).await;
    let wrong_password = h.sign_in("known", "654321").await;
    let unknown_user = h.sign_in("nobody", "654321").await;
    wrong_password.assert_error(401, "user name or password is incorrect");
    assert_eq!(wrong_password.status, unknown_user.status);
    assert_eq!(wrong_password.body, unknown_user.body);
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("target", GOOD_PASSWORD).await;
    wrong_passwords(&h, "target", "wrong-password", 5).await;
    h.sign_in("target", GOOD_PASSWORD)
        .await
        .assert_error(429, "try again in 15 minute(s)");
    h.sign_in("TARGET", GOOD_PASSWORD)
        .await
        .assert_error(429, "Too many failed sign-ins");
    // Other accounts are unaffected.
    h.sign_up("bystander", GOOD_PASSWORD).await;
    assert_eq!(h.sign_in("bystander", GOOD_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn unknown_names_lock_the_same_way() {
    let h = Harness::new(UnionIdProof::None).await;
    wrong_passwords(&h, "ghost", "whatever", 5).await;
    h.sign_in("ghost", "whatever")
        .await
        .assert_error(429, "Too many failed sign-ins");
    // Registering the name gives a fresh account, not a locked one.
    h.sign_up("ghost", GOOD_PASSWORD).await;
    assert_eq!(h.sign_in("ghost", GOOD_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_success_gives_back_only_its_own_attempt() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("forgetful", GOOD_PASSWORD).await;
    wrong_passwords(&h, "forgetful", "nope-nope", 4).await;
    assert_eq!(h.sign_in("forgetful", GOOD_PASSWORD).await.status, 200);
    assert_eq!(h.sign_in("forgetful", GOOD_PASSWORD).await.status, 200);
    h.sign_in("forgetful", "nope-nope")
        .await
        .assert_error(401, "incorrect");
    h.sign_in("forgetful", GOOD_PASSWORD)
        .await
        .assert_error(429, "Too many failed sign-ins");
}

#[tokio::test]
async fn threshold_and_window_come_from_configuration() {
    let h = Harness::with_env(
        UnionIdProof::None,
        &[("LOCKOUT_THRESHOLD", "2"), ("LOCKOUT_WINDOW_SECONDS", "2")],
    )
    .await;
    h.sign_up("short", GOOD_PASSWORD).await;
    h.sign_in("short", "wrong-one")
        .await
        .assert_error(401, "incorrect");
    h.sign_in("short", "wrong-two")
        .await
        .assert_error(401, "incorrect");
    h.sign_in("short", GOOD_PASSWORD)
        .await
        .assert_error(429, "try again in 1 minute(s)");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(
        h.sign_in("short", GOOD_PASSWORD).await.status,
        200,
        "the lock ends with the window"
    );
}

/// `bodies` posted to SignIn all at once, spread over `INSTANCES` instances
/// of the function on the same table, as Lambda runs a burst; the statuses
/// in the order of `bodies`.
async fn burst(h: &Harness, bodies: Vec<serde_json::Value>) -> Vec<u16> {
    const INSTANCES: usize = 8;
    let instances: Vec<_> = (0..INSTANCES).map(|_| Arc::new(h.another_instance())).collect();
    let target = h.path("SignIn");
    let replies: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let request = testkit::request("POST", &target, Some(&body.to_string()), &[]);
            let instance = instances[i % INSTANCES].clone();
            tokio::spawn(async move { instance.answer(request).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for reply in replies {
        statuses.push(testkit::Reply::from_response(reply.await.unwrap()).status);
    }
    statuses
}

/// How often each status occurs.
fn tally(statuses: &[u16]) -> std::collections::BTreeMap<u16, usize> {
    statuses.iter().fold(Default::default(), |mut tally, status| {
        *tally.entry(*status).or_default() += 1;
        tally
    })
}

/// The attack: 39 wrong passwords and the right one at once, none
/// answered 503. The right password, sent last, gets 429, exactly 5 of the
/// wrong ones 401 (the threshold checked), the rest 429, and the account
/// stays locked; unless it reserved one of the first 5 attempts: then it
/// signs in and gives back its own attempt, which one more wrong guess may
/// take, so 4 or 5 wrong ones are checked, never more.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_over_many_instances_verifies_at_most_the_threshold() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("burst", "right-password").await;
    let mut bodies: Vec<_> = (0..39)
        .map(|i| json!({"userName": "burst", "pwd": format!("wrong-{i}")}))
        .collect();
    bodies.push(json!({"userName": "burst", "pwd": "right-password"}));
    let statuses = burst(&h, bodies).await;
    let (wrong, right) = (tally(&statuses[..39]), statuses[39]);
    assert_eq!(wrong.keys().copied().collect::<Vec<_>>(), [401, 429], "{wrong:?}");
    match right {
        429 => {
            assert_eq!(wrong[&401], 5, "{wrong:?}");
            h.sign_in("burst", "right-password")
                .await
                .assert_error(429, "Too many failed sign-ins");
        }
        200 => assert!((4..=5).contains(&wrong[&401]), "{wrong:?}"),
        other => panic!("the right password got {other}; wrong ones {wrong:?}"),
    }
}

/// 40 wrong passwords at once: exactly the threshold of them verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_counts_every_one() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("counted", "right-password").await;
    let bodies = (0..40)
        .map(|i| json!({"userName": "counted", "pwd": format!("wrong-{i}")}))
        .collect();
    let statuses = tally(&burst(&h, bodies).await);
    assert_eq!(statuses, [(401, 5), (429, 35)].into(), "{statuses:?}");
}

/// The same with two-factor codes: the right password with 39 wrong codes
/// and the right code, which is refused when it comes after 5 reserved
/// attempts and otherwise gives its own back as above.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_two_factor_codes_verifies_at_most_the_threshold() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("burst-code", "right-password").await;
    let key = h.turn_on_two_factor(&token).await;
    let next = clock::now() + 30;
    let mut bodies: Vec<_> = (0..39)
        .map(|i| {
            let wrong = format!("{:06}", (i * 7919) % 1_000_000);
            let wrong = if wrong == code_at(&key, next) || wrong == code_at(&key, next - 30) {
                testkit::wrong_code(&key, next).to_owned()
            } else {
                wrong
            };
            json!({"userName": "burst-code", "pwd": "right-password", "twoFactorCode": wrong})
        })
        .collect();
    bodies.push(
        json!({"userName": "burst-code", "pwd": "right-password", "twoFactorCode": code_at(&key, next)}),
    );
    let statuses = burst(&h, bodies).await;
    let (wrong, right) = (tally(&statuses[..39]), statuses[39]);
    assert_eq!(wrong.keys().copied().collect::<Vec<_>>(), [401, 429], "{wrong:?}");
    match right {
        429 => {
            assert_eq!(wrong[&401], 5, "{wrong:?}");
            let body = json!({"userName": "burst-code", "pwd": "right-password", "twoFactorCode": code_at(&key, next + 30)});
            h.post("SignIn", &body)
                .await
                .assert_error(429, "Too many failed sign-ins");
        }
        200 => assert!((4..=5).contains(&wrong[&401]), "{wrong:?}"),
        other => panic!("the right code got {other}; wrong ones {wrong:?}"),
    }
}

/// The right password without the `twoFactorCode` its user needs is an attempt.
#[tokio::test]
async fn the_right_password_without_the_code_counts() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("no-code", "right-password").await;
    let key = h.turn_on_two_factor(&token).await;
    for _ in 0..5 {
        h.sign_in("no-code", "right-password")
            .await
            .assert_error(401, "send `twoFactorCode`");
    }
    let body = json!({"userName": "no-code", "pwd": "right-password", "twoFactorCode": code_at(&key, clock::now() + 30)});
    h.post("SignIn", &body)
        .await
        .assert_error(429, "Too many failed sign-ins");
}

/// An unknown name's attempts are kept on an item that expires and names
/// no user; registering the name replaces it with a credential that never
/// expires.
#[tokio::test]
async fn an_unknown_names_attempts_expire_and_never_make_a_credential() {
    let h = Harness::new(UnionIdProof::None).await;
    let login = || async {
        h.store
            .client()
            .get_item()
            .table_name(h.store.table())
            .set_key(Some(
                oauthapp_shared::store::keys::login(h.app.id, "nobody-yet").item(),
            ))
            .send()
            .await
            .unwrap()
            .item
            .unwrap()
    };
    h.sign_in("nobody-yet", "whatever")
        .await
        .assert_error(401, "incorrect");
    let item = login().await;
    let expiry: i64 = item["ttl"].as_n().unwrap().parse().unwrap();
    assert!(expiry > clock::now() + 900, "{item:?}");
    assert!(
        !item.contains_key("userId") && !item.contains_key("passwordHash"),
        "{item:?}"
    );
    h.sign_up("nobody-yet", GOOD_PASSWORD).await;
    let item = login().await;
    assert!(
        item.contains_key("userId") && !item.contains_key("ttl"),
        "{item:?}"
    );
    assert_eq!(h.sign_in("nobody-yet", GOOD_PASSWORD).await.status, 200);
}
