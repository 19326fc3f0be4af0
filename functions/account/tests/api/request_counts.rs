//! DynamoDB requests per endpoint, counted by an SDK interceptor. Prints
//! the table docs/measurements.md shows (`scripts/measure.sh`) and holds each
//! endpoint to its budget.

use oauthapp_shared::domain::{UnionIdProof, clock};
use serde_json::json;
use testkit::code_at;

use crate::common::{GOOD_PASSWORD, Harness};

#[tokio::test]
async fn each_endpoint_stays_within_its_request_budget() {
    let h = Harness::new(UnionIdProof::None).await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");

    let reply = h
        .post("SignUp", &json!({"userName": "counted", "pwd": GOOD_PASSWORD}))
        .await;
    budget.record("POST SignUp", 4, reply.status, 200);
    let token = reply.token();
    // The app read beside the attempt's reservation (which reads the
    // credential), the user read while the hash is checked, then giving the
    // attempt back.
    let reply = h.sign_in("counted", GOOD_PASSWORD).await;
    budget.record("POST SignIn (success)", 6, reply.status, 200);
    let reply = h.sign_in("counted", "wrong-pwd").await;
    budget.record("POST SignIn (wrong password)", 4, reply.status, 401);
    let reply = h.sign_in("counted", GOOD_PASSWORD).await;
    budget.record("POST SignIn (success after a failure)", 6, reply.status, 200);
    let reply = h
        .post("UnionIDSignUp", &json!({"platform": "web", "unionID": "counted"}))
        .await;
    budget.record("POST UnionIDSignUp", 4, reply.status, 200);
    let reply = h
        .post("UnionIDSignIn", &json!({"platform": "web", "unionID": "counted"}))
        .await;
    budget.record("POST UnionIDSignIn", 5, reply.status, 200);
    let reply = h
        .post_signed("UnionIDSignIn", &json!({"platform": "web", "unionID": "counted"}))
        .await;
    // The nonce's conditional write is the third.
    budget.record("POST UnionIDSignIn, signed by the backend", 6, reply.status, 200);
    let reply = h.get_with_token(&h.path("Profile"), &token).await;
    budget.record("GET Profile", 1, reply.status, 200);
    let reply = h
        .put_with_token("Profile", &json!({"nickName": "n"}), &token)
        .await;
    budget.record("PUT Profile", 2, reply.status, 200);
    let v1_profile = h.v1("User", "/Profile");
    let reply = h.get_with_token(&v1_profile, &token).await;
    // The instance's first request by app key also reads the key's guard;
    // the user's balances other than the points are one Query more.
    budget.record(
        "GET /User/{appKey}/Profile (first by app key)",
        3,
        reply.status,
        200,
    );
    let reply = h.get_with_token(&v1_profile, &token).await;
    budget.record("GET /User/{appKey}/Profile", 2, reply.status, 200);
    let reply = h
        .with_token("PUT", &v1_profile, Some(&json!({"biography": "b"})), &token)
        .await;
    budget.record("PUT /User/{appKey}/Profile", 2, reply.status, 200);
    let reply = h
        .with_token("PUT", &v1_profile, Some(&json!({"enableOAuth": false})), &token)
        .await;
    budget.record("PUT /User/{appKey}/Profile (a switch off)", 2, reply.status, 200);
    let reply = h.get_with_token(&h.path("PointLog"), &token).await;
    budget.record("GET PointLog (empty)", 2, reply.status, 200);
    h.store
        .change_points(h.app.id, h.user_id(&token), 5, "", 1)
        .await
        .unwrap();
    h.requests.take();
    let reply = h
        .get_with_token(&format!("{}?type=1", h.path("PointLog")), &token)
        .await;
    budget.record("GET PointLog (a page)", 3, reply.status, 200);

    budget.finish();
}

#[tokio::test]
async fn session_endpoints_stay_within_their_request_budget() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("sessions", GOOD_PASSWORD).await;
    let other = h.sign_in("sessions", GOOD_PASSWORD).await;
    let sessions = h.v1("User", "/Sessions");
    // The instance's first request with the app's key reads its guard.
    h.get_with_token(&sessions, &token).await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");

    let reply = h.get_with_token(&sessions, &token).await;
    budget.record("GET Sessions", 2, reply.status, 200);
    let other_id = testkit::decode_claims(&other.token())["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = h
        .with_token("DELETE", &format!("{sessions}/{other_id}"), None, &token)
        .await;
    budget.record("DELETE Sessions/{id}", 3, reply.status, 200);
    let sign_out = h.v1("User", "/SignOut");
    let reply = h
        .with_token("POST", &sign_out, Some(&json!({"everywhere": false})), &token)
        .await;
    budget.record("POST SignOut", 3, reply.status, 200);
    let token = h.sign_in("sessions", GOOD_PASSWORD).await.token();
    h.requests.take();
    let reply = h
        .with_token("POST", &sign_out, Some(&json!({"everywhere": true})), &token)
        .await;
    budget.record("POST SignOut (everywhere)", 3, reply.status, 200);

    budget.finish();
}

#[tokio::test]
async fn two_factor_endpoints_stay_within_their_request_budget() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("counted", "secret-1").await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");

    let path = h.two_factor_path();
    let reply = h.with_token("GET", &path, None, &token).await;
    budget.record("GET TwoFactorAuth", 3, reply.status, 200);
    let key = reply.data()["manualEntryKey"].as_str().unwrap().to_owned();
    let now = clock::now();
    let reply = h
        .with_token("POST", &path, Some(&json!({"code": code_at(&key, now)})), &token)
        .await;
    budget.record("POST TwoFactorAuth", 3, reply.status, 200);
    // The sign-in spends the next step's code.
    let body = json!({"userName": "counted", "pwd": "secret-1", "twoFactorCode": code_at(&key, now + 30)});
    let reply = h.post("SignIn", &body).await;
    budget.record("POST SignIn (two-factor, success)", 6, reply.status, 200);
    let body = json!({"userName": "counted", "pwd": "secret-1"});
    let reply = h.post("SignIn", &body).await;
    budget.record("POST SignIn (code missing)", 4, reply.status, 401);
    // Every fresh step is spent by now; a refusal costs what success does
    // (a read and a conditional write).
    let reply = h
        .with_token(
            "DELETE",
            &path,
            Some(&json!({"code": code_at(&key, now + 30)})),
            &token,
        )
        .await;
    budget.record("DELETE TwoFactorAuth (code used already)", 3, reply.status, 403);
    let (_, union_id_token) = h.union_id_user("web", "counted-union").await;
    let key = h.turn_on_two_factor(&union_id_token).await;
    h.requests.take();
    let body =
        json!({"platform": "web", "unionID": "counted-union", "twoFactorCode": code_at(&key, now + 30)});
    let reply = h.post("UnionIDSignIn", &body).await;
    budget.record("POST UnionIDSignIn (two-factor, success)", 7, reply.status, 200);

    budget.finish();
}

#[tokio::test]
async fn wechat_code_sign_ins_stay_within_their_request_budget() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode).await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "call");

    let code = h.login_code("oCount01", Some("oCountUnion01"));
    let reply = h
        .send_json(
            "POST",
            &h.legacy("UnionIDSignUp"),
            Some(&json!({"platform": "wxminip", "code": code})),
            &[],
        )
        .await;
    budget.record("POST UnionIDSignUp (wechat_code)", 4, reply.status, 200);
    let code = h.login_code("oCount01", Some("oCountUnion01"));
    let reply = h
        .send_json(
            "POST",
            &h.legacy("UnionIDSignIn"),
            Some(&json!({"platform": "wxminip", "code": code})),
            &[],
        )
        .await;
    budget.record("POST UnionIDSignIn (wechat_code)", 5, reply.status, 200);

    budget.finish();
}

#[tokio::test]
async fn address_endpoints_stay_within_their_budgets() {
    use oauthapp_shared::domain::verification::{Purpose, Recipient};

    let h = Harness::with_env(UnionIdProof::None, &[("VERIFICATION_CODES_PER_MINUTE", "3")]).await;
    let email = format!("counted{}@example.com", clock::now_millis());
    let recipient = Recipient::email(&email).unwrap();
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");
    let code = h.code_sent_to(Purpose::SignUp, &recipient).await;
    h.requests.take();
    let body = json!({"email": email, "pwd": GOOD_PASSWORD, "emailCode": code});
    let reply = h
        .send_json("POST", &h.v1("User", "/EmailSignUp"), Some(&body), &[])
        .await;
    // The app with the per-IP count, the code's try, the user counter, and
    // the transaction (user, session, address guard, the code's use).
    budget.record("POST EmailSignUp", 6, reply.status, 200);
    let code = h.code_sent_to(Purpose::SignIn, &recipient).await;
    h.requests.take();
    let body = json!({"email": email, "verifyCode": code});
    let reply = h
        .send_json("POST", &h.v1("User", "/EmailSignIn"), Some(&body), &[])
        .await;
    // The app and the address's attempt at once, the code's try, the user,
    // the code's use, the session's start, and the attempt given back.
    budget.record("POST EmailSignIn", 8, reply.status, 200);
    let token = reply.token();

    let body = json!({"oldpwd": GOOD_PASSWORD, "pwd": "changed-password-1"});
    let reply = h
        .with_token("POST", &h.v1("User", "/ResetPwd"), Some(&body), &token)
        .await;
    // The caller, the attempt (which reads the user), and the transaction
    // (the new hash and the ended sessions on the user item).
    budget.record("POST ResetPwd (an address account)", 3, reply.status, 200);
    let code = h.code_sent_to(Purpose::ForgetPwd, &recipient).await;
    h.requests.take();
    let body = json!({"email": email, "code": code, "pwd": "changed-password-2"});
    let reply = h
        .send_json("POST", &h.v1("User", "/ForgotPwd"), Some(&body), &[])
        .await;
    // The app with the per-IP count, the code's try, the address guard,
    // the user, and the transaction (hash, sessions, the code's use).
    budget.record("POST ForgotPwd", 6, reply.status, 200);
    budget.finish();
}

#[tokio::test]
async fn password_and_address_changes_of_a_named_account_stay_within_their_budgets() {
    use oauthapp_shared::domain::verification::{Purpose, Recipient};

    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("counted-changes", GOOD_PASSWORD).await;
    let mut budget = testkit::RequestBudget::new(&h.requests, "endpoint");
    let body = json!({"oldpwd": GOOD_PASSWORD, "pwd": "changed-password-1"});
    let reply = h
        .with_token("POST", &h.v1("User", "/ResetPwd"), Some(&body), &token)
        .await;
    // As for an address account, the user name's credential read, and the
    // key's guard: the instance's first request by app key.
    budget.record("POST ResetPwd (a user name)", 5, reply.status, 200);
    let email = format!("moved{}@example.com", clock::now_millis());
    let code = h
        .code_sent_to(Purpose::Reset, &Recipient::email(&email).unwrap())
        .await;
    h.requests.take();
    let body = json!({"email": email, "code": code});
    let reply = h
        .with_token("PUT", &h.v1("User", "/ResetEmail"), Some(&body), &token)
        .await;
    // The caller, the code's try, and the transaction (new guard, user,
    // the code's use).
    budget.record("PUT ResetEmail", 3, reply.status, 200);
    let reply = h
        .with_token("DELETE", &h.v1("User", "/DeactivateHard"), None, &token)
        .await;
    // The caller, the user, then their bindings and balances at once
    // (strongly consistent, for the transaction's conditions and the
    // anonymised totals), the transaction (user, guards,
    // anonymised totals), and the sweep: a Query of what is left in the
    // partition and one transaction deleting it.
    budget.record("DELETE DeactivateHard", 7, reply.status, 200);
    budget.finish();
}
