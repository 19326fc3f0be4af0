//! v1 `ResetPwd`, `ForgotPwd`, `ResetEmail` and `ResetPhone`: a new
//! password ends the user's other sessions (all of them after a reset by
//! code), the current password is guessed no faster than a sign-in, and a
//! verified address moves to a new one only with the new address's code.

use futures_util::future::join_all;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::verification::{Purpose, Recipient};
use rand::RngExt;
use serde_json::{Value, json};
use testkit::Reply;

use crate::common::{GOOD_PASSWORD, Harness};

const NEW_PASSWORD: &str = "quiet-harbour-77";

fn fresh_email() -> String {
    format!("p{}@example.com", rand::rng().random_range(0..u64::MAX))
}

impl Harness {
    async fn v1_send(&self, method: &str, endpoint: &str, body: &Value, token: Option<&str>) -> Reply {
        let target = self.v1("User", endpoint);
        match token {
            Some(token) => self.with_token(method, &target, Some(body), token).await,
            None => self.send_json(method, &target, Some(body), &[]).await,
        }
    }

    /// `GOOD_PASSWORD` becomes `NEW_PASSWORD`, and is no longer the current one.
    async fn changes_password_once(&self, token: &str) {
        let change = json!({"oldpwd": GOOD_PASSWORD, "pwd": NEW_PASSWORD});
        let reply = self.v1_send("POST", "/ResetPwd", &change, Some(token)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        self.v1_send("POST", "/ResetPwd", &change, Some(token))
            .await
            .assert_error(401, "oldpwd");
    }

    /// Whether `token` still speaks for its user.
    async fn token_works(&self, token: &str) -> bool {
        let reply = self.get_with_token(&self.v1("User", "/Profile"), token).await;
        match reply.status {
            200 => true,
            401 => false,
            other => panic!("{other}: {}", reply.body),
        }
    }

    /// A user named `user_name` with `GOOD_PASSWORD` and the verified
    /// address `email`; their token.
    async fn user_with_email(&self, user_name: &str, email: &str) -> String {
        let code = self
            .code_sent_to(Purpose::SignUp, &Recipient::email(email).unwrap())
            .await;
        let body = json!({"userName": user_name, "pwd": GOOD_PASSWORD, "email": email, "emailCode": code});
        self.v1_send("POST", "/SignUp", &body, None).await.token()
    }
}

#[tokio::test]
async fn reset_pwd_needs_the_current_password_and_ends_the_other_sessions() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let token = h.sign_up("resetting", GOOD_PASSWORD).await;
    let other = h.sign_in("resetting", GOOD_PASSWORD).await.token();

    let change = |oldpwd: &str, pwd: &str| json!({"oldpwd": oldpwd, "pwd": pwd});
    h.v1_send(
        "POST",
        "/ResetPwd",
        &change("not-the-password", NEW_PASSWORD),
        Some(&token),
    )
    .await
    .assert_error(401, "`oldpwd` is not the current password");
    h.v1_send("POST", "/ResetPwd", &change(GOOD_PASSWORD, "short"), Some(&token))
        .await
        .assert_error(400, "`pwd`");
    h.v1_send("POST", "/ResetPwd", &json!({"pwd": NEW_PASSWORD}), Some(&token))
        .await
        .assert_error(400, "oldpwd");
    assert!(h.token_works(&other).await, "refusals end nothing");
    assert_eq!(h.sign_in("resetting", GOOD_PASSWORD).await.status, 200);

    let reply = h
        .v1_send(
            "POST",
            "/ResetPwd",
            &change(GOOD_PASSWORD, NEW_PASSWORD),
            Some(&token),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(h.token_works(&token).await, "the caller's session stays");
    assert!(!h.token_works(&other).await, "every other session ends");
    h.sign_in("resetting", GOOD_PASSWORD)
        .await
        .assert_error(401, "incorrect");
    assert_eq!(h.sign_in("resetting", NEW_PASSWORD).await.status, 200);
}

/// A stolen token must not let its holder guess the password behind it
/// any faster than signing in would.
#[tokio::test]
async fn a_stolen_token_cannot_guess_the_current_password_freely() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let token = h.sign_up("guessed-at", GOOD_PASSWORD).await;
    let threshold = h.services().config.lockout.threshold;
    let guess = |n: u32| json!({"oldpwd": format!("guess-number-{n}"), "pwd": NEW_PASSWORD});
    for n in 0..threshold {
        h.v1_send("POST", "/ResetPwd", &guess(n), Some(&token))
            .await
            .assert_error(401, "oldpwd");
    }
    let right = json!({"oldpwd": GOOD_PASSWORD, "pwd": NEW_PASSWORD});
    let locked = h.v1_send("POST", "/ResetPwd", &right, Some(&token)).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert_eq!(
        h.sign_in("guessed-at", GOOD_PASSWORD).await.status,
        200,
        "unchanged"
    );
}

#[tokio::test]
async fn forgot_pwd_sets_a_new_password_with_a_code_and_ends_every_session() {
    let h = Harness::with_env(UnionIdProof::Signature, &[("VERIFICATION_CODES_PER_MINUTE", "3")]).await;
    let email = fresh_email();
    let token = h.user_with_email("forgetful", &email).await;
    let recipient = Recipient::email(&email).unwrap();

    let forgot = |code: &str, pwd: &str| json!({"email": email, "code": code, "pwd": pwd});
    h.v1_send(
        "POST",
        "/ForgotPwd",
        &json!({"code": "123456", "pwd": NEW_PASSWORD}),
        None,
    )
    .await
    .assert_error(400, "either `email` or `phone`");
    h.v1_send("POST", "/ForgotPwd", &forgot("123456", NEW_PASSWORD), None)
        .await
        .assert_error(400, "not a valid code");
    let code = h.code_sent_to(Purpose::ForgetPwd, &recipient).await;
    h.v1_send("POST", "/ForgotPwd", &forgot(&code, "forgetful"), None)
        .await
        .assert_error(400, "`pwd`");
    assert!(h.token_works(&token).await, "a refusal changes nothing");

    let reply = h
        .v1_send("POST", "/ForgotPwd", &forgot(&code, NEW_PASSWORD), None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.data(), &json!(true));
    assert!(!h.token_works(&token).await, "every session ends");
    assert_eq!(h.sign_in("forgetful", NEW_PASSWORD).await.status, 200);
    h.sign_in("forgetful", GOOD_PASSWORD)
        .await
        .assert_error(401, "incorrect");
    h.v1_send("POST", "/ForgotPwd", &forgot(&code, "another-password-9"), None)
        .await
        .assert_error(400, "not a valid code");

    // An address no account has gets only a notice, so no code to use:
    // the answer is the one a wrong code gets.
    let stranger = fresh_email();
    let body = json!({"email": stranger, "code": "123456", "pwd": NEW_PASSWORD});
    h.v1_send("POST", "/ForgotPwd", &body, None)
        .await
        .assert_error(400, "not a valid code");
}

#[tokio::test]
async fn an_email_account_changes_and_resets_its_password() {
    let h = Harness::with_env(UnionIdProof::Signature, &[("VERIFICATION_CODES_PER_MINUTE", "3")]).await;
    let email = fresh_email();
    let recipient = Recipient::email(&email).unwrap();
    let code = h.code_sent_to(Purpose::SignUp, &recipient).await;
    let body = json!({"email": email, "pwd": GOOD_PASSWORD, "emailCode": code});
    let token = h.v1_send("POST", "/EmailSignUp", &body, None).await.token();

    h.changes_password_once(&token).await;

    let code = h.code_sent_to(Purpose::ForgetPwd, &recipient).await;
    let reset = json!({"email": email, "code": code, "pwd": "third-password-33"});
    assert_eq!(h.v1_send("POST", "/ForgotPwd", &reset, None).await.status, 200);
    let code = h.code_sent_to(Purpose::SignIn, &recipient).await;
    let signed_in = h
        .v1_send(
            "POST",
            "/EmailSignIn",
            &json!({"email": email, "verifyCode": code}),
            None,
        )
        .await;
    let back_again = json!({"oldpwd": "third-password-33", "pwd": NEW_PASSWORD});
    let reply = h
        .v1_send("POST", "/ResetPwd", &back_again, Some(&signed_in.token()))
        .await;
    assert_eq!(
        reply.status, 200,
        "the reset password is the current one: {}",
        reply.body
    );
}

#[tokio::test]
async fn reset_email_moves_the_verified_address_with_the_new_addresss_code() {
    let h = Harness::with_env(UnionIdProof::Signature, &[("VERIFICATION_CODES_PER_MINUTE", "3")]).await;
    let (old, new) = (fresh_email(), fresh_email());
    let token = h.user_with_email("moving-house", &old).await;
    let new_recipient = Recipient::email(&new).unwrap();

    let stale = h.token_like(&token, |claims| claims.auth_time -= 600).await;
    let code = h.code_sent_to(Purpose::Reset, &new_recipient).await;
    let move_to = |code: &str| json!({"email": new, "code": code});
    h.v1_send("PUT", "/ResetEmail", &move_to(&code), Some(&stale))
        .await
        .assert_error(401, "recent sign-in");
    h.v1_send(
        "PUT",
        "/ResetEmail",
        &json!({"email": old, "code": code}),
        Some(&token),
    )
    .await
    .assert_error(400, "already");
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    h.v1_send("PUT", "/ResetEmail", &move_to(&wrong), Some(&token))
        .await
        .assert_error(400, "not a valid code");

    let reply = h
        .v1_send("PUT", "/ResetEmail", &move_to(&code), Some(&token))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let profile = h.get_with_token(&h.v1("User", "/Profile"), &token).await;
    assert_eq!(profile.data()["user"]["email"], new.as_str());
    assert_eq!(profile.data()["user"]["emailIsValid"], true);
    let user_id = h.user_id(&token);
    let store = &h.store;
    assert_eq!(
        store.address_owner(h.app.id, &new_recipient).await.unwrap(),
        Some(user_id)
    );
    let old_recipient = Recipient::email(&old).unwrap();
    assert_eq!(
        store.address_owner(h.app.id, &old_recipient).await.unwrap(),
        None,
        "the old one is free"
    );
    // Free for another account to verify.
    let code = h.code_sent_to(Purpose::SignUp, &old_recipient).await;
    let body = json!({"email": old, "pwd": GOOD_PASSWORD, "emailCode": code});
    assert_eq!(h.v1_send("POST", "/EmailSignUp", &body, None).await.status, 200);
}

#[tokio::test]
async fn two_users_moving_to_one_address_at_once_on_two_instances_make_one_owner() {
    let h = Harness::with_env(UnionIdProof::Signature, &[("VERIFICATION_CODES_PER_MINUTE", "3")]).await;
    let target_email = fresh_email();
    let recipient = Recipient::email(&target_email).unwrap();
    let mut requests = Vec::new();
    for n in 0..2 {
        let token = h
            .user_with_email(&format!("racer-number-{n}"), &fresh_email())
            .await;
        // Each user asks for the code in turn, before either uses theirs:
        // the second replaces the first, so each race needs its own code.
        let code = h.code_sent_to(Purpose::Reset, &recipient).await;
        requests.push((token, code));
    }
    // Only the newest code stands; both send it at once.
    let code = requests.last().unwrap().1.clone();
    let target = h.v1("User", "/ResetEmail");
    let body = json!({"email": target_email, "code": code}).to_string();
    let instances: Vec<_> = (0..2).map(|_| h.another_instance()).collect();
    let replies = join_all(instances.iter().zip(&requests).map(|(instance, (token, _))| {
        let request = testkit::request("PUT", &target, Some(&body), &[testkit::bearer(token)]);
        async move { Reply::from_response(instance.answer(request).await) }
    }))
    .await;
    let moved = replies.iter().filter(|reply| reply.status == 200).count();
    assert_eq!(moved, 1, "{replies:?}");
    let owner = h.store.address_owner(h.app.id, &recipient).await.unwrap();
    let owners: Vec<u64> = requests.iter().map(|(token, _)| h.user_id(token)).collect();
    assert!(owner.is_some_and(|owner| owners.contains(&owner)), "{owner:?}");
    let mut verified = 0;
    for id in owners {
        let user = h.store.user(h.app.id, id).await.unwrap().unwrap();
        verified += usize::from(user.email == target_email);
    }
    assert_eq!(verified, 1, "one user has the address");
}

#[tokio::test]
async fn reset_phone_moves_the_verified_phone_number() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let token = h.sign_up("phone-mover", GOOD_PASSWORD).await;
    let phone = format!("139{:08}", rand::rng().random_range(0..100_000_000u32));
    let recipient = Recipient::phone(&phone).unwrap();
    let code = h.code_sent_to(Purpose::Reset, &recipient).await;
    let body = json!({"phone": phone, "code": code});
    let reply = h.v1_send("PUT", "/ResetPhone", &body, Some(&token)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let user = h.store.user(h.app.id, h.user_id(&token)).await.unwrap().unwrap();
    assert_eq!((user.phone.as_str(), user.phone_is_valid), (phone.as_str(), true));
    h.v1_send(
        "PUT",
        "/ResetPhone",
        &json!({"phone": "12", "code": "123456"}),
        Some(&token),
    )
    .await
    .assert_error(400, "phone");
}

/// The v1 client sends a `pwd` with every UnionIDSignUp: without a user
/// name it signs in nowhere, but it is the password ResetPwd asks for.
#[tokio::test]
async fn a_union_id_account_keeps_the_password_it_signed_up_with() {
    let h = Harness::new(UnionIdProof::None).await;
    let body = json!({"platform": "web", "unionID": "with-a-password", "pwd": GOOD_PASSWORD});
    let token = h.v1_send("POST", "/UnionIDSignUp", &body, None).await.token();
    h.changes_password_once(&token).await;
}
