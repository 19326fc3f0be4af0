//! Every bad input gets a clear error in the envelope and changes nothing.

use oauthapp_shared::domain::{PasswordPolicy, UnionIdProof};
use serde_json::{Value, json};
use testkit::Reply;

use crate::common::{GOOD_PASSWORD, Harness};

fn sign_up_body(overrides: Value) -> Value {
    let mut body = json!({"nickName": "n", "platform": "web", "pwd": GOOD_PASSWORD, "userName": "valid_user",
                          "email": "a@b.c", "phone": "111111111", "avatar": "", "data": ""});
    for (key, value) in overrides.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

#[tokio::test]
async fn each_sign_up_rule_is_enforced_and_nothing_is_written() {
    let h = Harness::new(UnionIdProof::None).await;
    let cases = [
        (json!({"userName": "ab"}), "`userName` must be 3 to 32"),
        (json!({"userName": "x".repeat(33)}), "`userName` must be 3 to 32"),
        (json!({"userName": "has space"}), "`userName`"),
        (json!({"userName": "名字名字"}), "`userName`"),
        (json!({"pwd": "1234567"}), "`pwd` must be 8 to 64"),
        (json!({"pwd": "x".repeat(65)}), "`pwd` must be 8 to 64"),
        (json!({"email": "not-an-address"}), "`email`"),
        (json!({"phone": "12ab"}), "`phone`"),
        (json!({"phone": "1".repeat(21)}), "`phone`"),
        (json!({"nickName": "x".repeat(65)}), "`nickName` must be 0 to 64"),
        (json!({"avatar": "x".repeat(1025)}), "`avatar`"),
        (json!({"data": "x".repeat(10_001)}), "`data` must be 0 to 10000"),
        (json!({"platform": "we b"}), "`platform`"),
        (json!({"userName": 5}), "Field `userName` is invalid"),
        (json!({"pwd": null}), "Field `pwd` is invalid"),
        (json!({"nickName": ["a"]}), "Field `nickName` is invalid"),
    ];
    for (overrides, message) in cases {
        h.post("SignUp", &sign_up_body(overrides.clone()))
            .await
            .assert_error(400, message);
    }
    h.post("SignUp", &json!({"pwd": GOOD_PASSWORD}))
        .await
        .assert_error(400, "missing field `userName`");
    assert_eq!(h.user_count().await, 0, "no rejected sign-up created a user");
    // The name is still free.
    h.post("SignUp", &sign_up_body(json!({}))).await.token();
    assert_eq!(h.user_count().await, 1);
}

#[tokio::test]
async fn malformed_bodies_are_rejected() {
    let h = Harness::new(UnionIdProof::None).await;
    let path = h.path("SignIn");
    let cases: [(&str, &str); 6] = [
        ("{\"userName\": \"abc\", ", "not valid JSON"),
        ("not json", "must be a JSON object"),
        ("[\"abc\", \"123456\"]", "must be a JSON object"),
        ("", "empty"),
        (
            "{\"userName\":\"abc\",\"pwd\":\"123456\"} trailing",
            "not valid JSON",
        ),
        ("\"a string\"", "must be a JSON object"),
    ];
    for (body, message) in cases {
        h.send("POST", &path, Some(body), &[])
            .await
            .assert_error(400, message);
    }
    let oversized = format!("{{\"data\": \"{}\"}}", "x".repeat(70_000));
    h.send("POST", &path, Some(&oversized), &[])
        .await
        .assert_error(413, "larger than");
    // Whatever the route: a GET's oversized body is refused before anything else.
    h.send("GET", &h.path("Profile"), Some(&oversized), &[])
        .await
        .assert_error(413, "larger than");
    // API Gateway passes a body that is not UTF-8 base64-encoded, which
    // lambda_http decodes to binary. (`cargo lambda watch` answers such a
    // body with a 500 of its own instead; scripts/schemathesis_hooks.py.)
    let not_utf8 = testkit::binary_request("POST", &path, b"{\"userName\": \"\xff\"}");
    Reply::from_response(h.answer(not_utf8).await).assert_error(400, "not valid UTF-8");
}

#[tokio::test]
async fn union_id_rules_are_enforced() {
    let h = Harness::new(UnionIdProof::None).await;
    let cases = [
        (
            json!({"platform": "web", "unionID": ""}),
            "`unionID` is required: 1 to 50",
        ),
        (json!({"platform": "web", "unionID": "x".repeat(51)}), "`unionID`"),
        (json!({"platform": "web", "unionID": "bad id"}), "`unionID`"),
        (
            json!({"platform": "", "unionID": "abc"}),
            "`platform` must be 1 to 20",
        ),
        (
            json!({"platform": "web", "unionID": "abc", "userName": "someone"}),
            "`pwd` is required",
        ),
        // Without a user name the password still meets the app's policy.
        (
            json!({"platform": "web", "unionID": "abc", "pwd": "123456"}),
            "`pwd`",
        ),
        (
            json!({"platform": "web", "unionID": "abc", "userName": "x", "pwd": "123456"}),
            "`userName`",
        ),
        (
            json!({"platform": "web", "unionID": "abc", "emailIsValid": "yes"}),
            "Field `emailIsValid`",
        ),
    ];
    for (body, message) in cases {
        h.post("UnionIDSignUp", &body).await.assert_error(400, message);
    }
    h.post("UnionIDSignIn", &json!({"platform": "web"}))
        .await
        .assert_error(400, "`unionID` is required");
    assert_eq!(h.user_count().await, 0);
}

#[tokio::test]
async fn unknown_apps_and_routes() {
    let h = Harness::new(UnionIdProof::None).await;
    let body = json!({"userName": "abc", "pwd": "123456"}).to_string();
    for target in [
        "/api/AppUsers/999999999/SignIn",
        "/api/AppUsers/abc/SignIn",
        "/api/AppUsers/0/SignIn",
    ] {
        h.send("POST", target, Some(&body), &[])
            .await
            .assert_error(404, "no app with id");
    }
    h.send("POST", "/api/AppUsers/999999999/SignUp", Some(&body), &[])
        .await
        .assert_error(404, "no app");
    h.send("GET", &h.path("Nothing"), None, &[])
        .await
        .assert_error(404, "no such endpoint");
    h.send("DELETE", &h.path("Profile"), None, &[])
        .await
        .assert_error(405, "DELETE is not allowed");
}

#[tokio::test]
async fn duplicates_are_conflicts() {
    let h = Harness::new(UnionIdProof::None).await;
    h.sign_up("taken", GOOD_PASSWORD).await;
    h.post("SignUp", &sign_up_body(json!({"userName": "TAKEN"})))
        .await
        .assert_error(409, "user name is taken");
    h.post("UnionIDSignUp", &json!({"platform": "web", "unionID": "u1"}))
        .await
        .token();
    h.post("UnionIDSignUp", &json!({"platform": "web", "unionID": "u1"}))
        .await
        .assert_error(409, "sign in with UnionIDSignIn");
    // Another platform is another identity.
    h.post("UnionIDSignUp", &json!({"platform": "wxminip", "unionID": "u1"}))
        .await
        .token();
    // A taken user name leaves the union id free.
    h.post(
        "UnionIDSignUp",
        &json!({"platform": "web", "unionID": "u2", "userName": "taken", "pwd": GOOD_PASSWORD}),
    )
    .await
    .assert_error(409, "user name is taken");
    h.post("UnionIDSignUp", &json!({"platform": "web", "unionID": "u2"}))
        .await
        .token();
    assert_eq!(h.user_count().await, 4);
}

#[tokio::test]
async fn profile_and_point_log_inputs() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("inputs", GOOD_PASSWORD).await;
    h.put_with_token("Profile", &json!({"nickName": "x".repeat(65)}), &token)
        .await
        .assert_error(400, "`nickName`");
    h.put_with_token("Profile", &json!({"data": 5}), &token)
        .await
        .assert_error(400, "Field `data`");
    let profile = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(profile.data()["nickName"], "", "rejected updates changed nothing");
    for (query, message) in [
        ("type=3", "`type` must be 0"),
        ("take=101", "`take` must be a whole number from 0 to 100"),
        ("skip=-1", "`skip`"),
        ("take=ten", "`take`"),
    ] {
        h.get_with_token(&format!("{}?{query}", h.path("PointLog")), &token)
            .await
            .assert_error(400, message);
    }
}

/// Characters that change how text reads without being seen: a bidi
/// override, a zero-width space and a byte-order mark.
const FORMAT_CHARACTERS: [char; 3] = ['\u{202E}', '\u{200B}', '\u{FEFF}'];

#[tokio::test]
async fn text_a_person_reads_refuses_format_characters() {
    let h = Harness::new(UnionIdProof::None).await;
    for c in FORMAT_CHARACTERS {
        let nick_name = format!("Ann{c}");
        h.post("SignUp", &sign_up_body(json!({"nickName": nick_name})))
            .await
            .assert_error(400, "`nickName`");
        let union_id_body = json!({"platform": "web", "unionID": "u-format", "nickName": nick_name});
        h.post("UnionIDSignUp", &union_id_body)
            .await
            .assert_error(400, "`nickName`");
    }
    assert_eq!(h.user_count().await, 0, "no rejected sign-up created a user");

    let token = h.sign_up("reader", GOOD_PASSWORD).await;
    let body = json!({"nickName": "Ann", "avatar": "a.png"});
    assert_eq!(
        h.put_with_token("Profile", &body, &token).await.data(),
        &json!(true)
    );
    for c in FORMAT_CHARACTERS {
        for field in ["nickName", "avatar"] {
            let body = json!({ field: format!("A{c}nn"), "data": "kept?" });
            h.put_with_token("Profile", &body, &token)
                .await
                .assert_error(400, &format!("`{field}`"));
        }
    }
    let profile = h.get_with_token(&h.path("Profile"), &token).await;
    let profile = profile.data();
    assert_eq!(
        (&profile["nickName"], &profile["avatar"], &profile["data"]),
        (&json!("Ann"), &json!("a.png"), &Value::Null),
        "rejected updates changed nothing"
    );
}

#[tokio::test]
async fn a_standard_app_refuses_weak_passwords() {
    let h = Harness::new(UnionIdProof::None).await;
    let cases = [
        ("123456", "`pwd` must be 8 to 64 characters"),
        ("seven77", "`pwd` must be 8 to 64 characters"),
        ("password1", "`pwd` is one of the 10,000 most common passwords"),
        ("qwerty123", "`pwd` is one of the 10,000 most common passwords"),
        ("iloveyou", "`pwd` is one of the 10,000 most common passwords"),
        ("Mallory.K", "`pwd` must not be the user name"),
    ];
    for (pwd, message) in cases {
        let body = sign_up_body(json!({"userName": "mallory.k", "pwd": pwd}));
        h.post("SignUp", &body).await.assert_error(400, message);
        let body = json!({"platform": "web", "unionID": "u-weak", "userName": "mallory.k", "pwd": pwd});
        h.post("UnionIDSignUp", &body).await.assert_error(400, message);
    }
    assert_eq!(h.user_count().await, 0, "no weak password made a user");
    let body = sign_up_body(json!({"userName": "mallory.k", "pwd": GOOD_PASSWORD}));
    h.post("SignUp", &body).await.token();
    h.sign_in("mallory.k", GOOD_PASSWORD).await.token();
}

#[tokio::test]
async fn app_ids_in_paths_are_canonical_decimals() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("canonical", GOOD_PASSWORD).await;
    let id = h.app.id;
    let profile = |raw: String| format!("/api/AppUsers/{raw}/Profile");
    assert_eq!(
        h.get_with_token(&profile(id.to_string()), &token).await.status,
        200
    );
    for raw in [
        format!("+{id}"),
        format!("0{id}"),
        format!("000{id}"),
        format!("{id}%20"),
    ] {
        h.get_with_token(&profile(raw.clone()), &token)
            .await
            .assert_error(404, "no app with id");
    }
}

#[tokio::test]
async fn a_legacy_app_keeps_the_seed_rule() {
    let h = Harness::new(UnionIdProof::None)
        .await
        .on_password_policy(PasswordPolicy::Legacy)
        .await;
    h.post("SignUp", &sign_up_body(json!({"pwd": "12345"})))
        .await
        .assert_error(400, "`pwd` must be 6 to 64");
    h.post(
        "SignUp",
        &sign_up_body(json!({"userName": "wwwwww", "pwd": "wwwwww"})),
    )
    .await
    .token();
}
