//! Every endpoint's happy path with the seed's own sample bodies, checking
//! each response field and its type, and the token's claims.

use oauthapp_shared::domain::{PasswordPolicy, UnionIdProof};
use serde_json::{Value, json};
use testkit::{ISSUER, decode_claims};

use crate::common::Harness;

/// A fresh app on the seed's password rule, which its sample password
/// "123456" needs.
async fn seed_app(proof: UnionIdProof) -> Harness {
    Harness::new(proof)
        .await
        .on_password_policy(PasswordPolicy::Legacy)
        .await
}

fn assert_token_model(data: &Value) {
    assert_eq!(data["token_type"], "Bearer");
    assert_eq!(data["expires_in"], 86400);
    assert!(data["access_token"].is_string());
    // The seed's three fields, and the session's refresh token.
    assert!(data["refresh_token"].is_string());
    assert_eq!(data.as_object().unwrap().len(), 4, "{data}");
}

fn assert_display_time(value: &Value) {
    let text = value.as_str().expect("a time string");
    let bytes = text.as_bytes();
    assert_eq!(bytes.len(), 19, "{text}");
    for (i, b) in bytes.iter().enumerate() {
        match i {
            4 | 7 => assert_eq!(*b, b'-', "{text}"),
            10 => assert_eq!(*b, b' ', "{text}"),
            13 | 16 => assert_eq!(*b, b':', "{text}"),
            _ => assert!(b.is_ascii_digit(), "{text}"),
        }
    }
}

#[tokio::test]
async fn sign_up_and_sign_in_with_the_seed_bodies() {
    let h = seed_app(UnionIdProof::Signature).await;
    let sign_up = h
        .post(
            "SignUp",
            &json!({"nickName": "wwww", "platform": "web", "pwd": "123456", "userName": "wwww",
                    "email": "wwww@test.com", "phone": "111111111", "avatar": "", "data": ""}),
        )
        .await;
    assert_eq!(sign_up.status, 200, "{sign_up:?}");
    assert_eq!(sign_up.body["code"], 200);
    assert_eq!(sign_up.body["err"], "");
    assert_token_model(sign_up.data());

    let sign_in = h
        .post("SignIn", &json!({"pwd": "123456", "userName": "wwww"}))
        .await;
    assert_token_model(sign_in.data());
    let claims = decode_claims(&sign_in.token());
    let expected_strings = [
        ("tenant_id", "4"),
        ("tenant_name", "www.oauthapp.com"),
        ("unique_name", "wwww"),
        ("role", "user"),
        ("picture", ""),
        ("email", "wwww@test.com"),
        ("mobile", "111111111"),
        ("unionid", ""),
        ("platform", "web"),
        ("grant_type", "account"),
        ("given_name", "wwww"),
        ("groupsid", "app"),
        ("permission", ""),
        ("iss", ISSUER),
    ];
    for (claim, value) in expected_strings {
        assert_eq!(claims[claim], value, "claim {claim} in {claims}");
    }
    assert_eq!(claims["appid"], h.app.id.to_string());
    // The issuer, and the app: what a JWT authorizer of one app accepts.
    assert_eq!(claims["aud"], json!([ISSUER, h.app.key]));
    assert!(claims["nameid"].as_str().unwrap().parse::<u64>().is_ok());
    assert!(claims["jti"].as_str().is_some_and(|jti| !jti.is_empty()));
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(claims["nbf"].as_i64().unwrap(), iat);
    assert_eq!(claims["exp"].as_i64().unwrap() - iat, 86400);
    assert_eq!(
        claims["auth_time"].as_i64().unwrap(),
        iat,
        "a sign-in's own token"
    );
    assert_eq!(
        claims.as_object().unwrap().len(),
        23,
        "the seed's 21 claims, auth_time and the session's sid: {claims}"
    );

    let again = h
        .post("SignIn", &json!({"pwd": "123456", "userName": "WWWW"}))
        .await;
    assert_eq!(again.status, 200, "user names are case-insensitive: {again:?}");
    assert_ne!(
        decode_claims(&again.token())["jti"],
        claims["jti"],
        "each token has its own jti"
    );
}

#[tokio::test]
async fn union_id_sign_up_and_sign_in_with_the_seed_bodies() {
    let h = seed_app(UnionIdProof::None).await;
    let sign_up = h
        .post(
            "UnionIDSignUp",
            &json!({"platform": "web", "pwd": "123456", "unionID": "laborumUt", "avatar": "",
                    "nickName": "utreprehenderit", "email": "laborumUt@test.com", "phone": "111111111",
                    "userName": "Duis", "data": "", "emailIsValid": false, "phoneIsValid": false}),
        )
        .await;
    assert_token_model(sign_up.data());
    let claims = decode_claims(&sign_up.token());
    assert_eq!(claims["unique_name"], "Duis");
    assert_eq!(claims["unionid"], "laborumUt");
    assert_eq!(claims["grant_type"], "unionid");
    assert_eq!(claims["given_name"], "utreprehenderit");

    // The seed's UnionIDSignIn body, for a user registered with that unionID.
    h.post("UnionIDSignUp", &json!({"platform": "web", "unionID": "123456"}))
        .await
        .token();
    let sign_in = h
        .post("UnionIDSignIn", &json!({"platform": "web", "unionID": "123456"}))
        .await;
    assert_token_model(sign_in.data());
    let claims = decode_claims(&sign_in.token());
    assert_eq!(
        claims["unique_name"], "123456",
        "no user name: unique_name is the unionID"
    );
    assert_eq!(claims["grant_type"], "unionid");

    // The user name and password given at union-id sign-up work too.
    assert_eq!(h.sign_in("Duis", "123456").await.status, 200);
}

#[tokio::test]
async fn profile_get_and_put_with_the_seed_shapes() {
    let h = seed_app(UnionIdProof::Signature).await;
    let token = h.sign_up("profileuser", "123456").await;
    let reply = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let profile = reply.data();
    let fields = [
        "appID",
        "platform",
        "unionID",
        "phone",
        "createDate",
        "userName",
        "phoneIsValid",
        "data",
        "email",
        "emailIsValid",
        "lastUpdate",
        "nickName",
        "id",
        "avatar",
        "role",
    ];
    assert_eq!(profile.as_object().unwrap().len(), fields.len(), "{profile}");
    assert_eq!(profile["appID"], h.app.id);
    assert_eq!(profile["id"], h.user_id(&token));
    assert_eq!(profile["userName"], "profileuser");
    assert_eq!(profile["platform"], "web");
    assert!(profile["unionID"].is_null());
    assert!(profile["phoneIsValid"].is_boolean() && profile["emailIsValid"].is_boolean());
    assert!(profile["data"].is_null());
    assert_eq!(profile["role"], "user");
    assert_display_time(&profile["createDate"]);
    assert_display_time(&profile["lastUpdate"]);

    // The seed's PUT body.
    let put = h
        .put_with_token(
            "Profile",
            &json!({"avatar": "avatar.png", "data": "自定义数据", "nickName": "wwww"}),
            &token,
        )
        .await;
    assert_eq!(put.status, 200, "{put:?}");
    assert_eq!(put.body, json!({"code": 200, "data": true, "err": ""}));
    let after = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(after.data()["avatar"], "avatar.png");
    assert_eq!(after.data()["data"], "自定义数据");
    assert_eq!(after.data()["nickName"], "wwww");

    // A partial body changes only what it names.
    h.put_with_token("Profile", &json!({"nickName": "renamed"}), &token)
        .await;
    let partial = h.get_with_token(&h.path("Profile"), &token).await;
    assert_eq!(partial.data()["nickName"], "renamed");
    assert_eq!(partial.data()["avatar"], "avatar.png");
    assert_eq!(partial.data()["data"], "自定义数据");
}

#[tokio::test]
async fn point_log_with_the_seed_query_pages_newest_first() {
    let h = seed_app(UnionIdProof::Signature).await;
    let token = h.sign_up("pointsuser", "123456").await;
    let user_id = h.user_id(&token);

    // The seed's own call: every parameter empty.
    let empty = h
        .get_with_token(&format!("{}?type=&skip=&take=", h.path("PointLog")), &token)
        .await;
    assert_eq!(empty.status, 200, "{empty:?}");
    assert_eq!(empty.data(), &json!({"total": 0, "data": []}));

    // Entries 1..=12: recharges of 10, 20, …, with a consumption every third.
    for n in 1..=12i64 {
        let amount = if n % 3 == 0 { -5 } else { n * 10 };
        h.store
            .change_points(h.app.id, user_id, amount, &format!("entry {n}"), n)
            .await
            .unwrap();
    }
    let page = h
        .get_with_token(&format!("{}?type=&skip=&take=", h.path("PointLog")), &token)
        .await;
    assert_eq!(page.data()["total"], 12);
    let entries = page.data()["data"].as_array().unwrap();
    assert_eq!(entries.len(), 10, "take defaults to 10");
    let ids: Vec<u64> = entries.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, (3..=12).rev().collect::<Vec<_>>(), "newest first");
    let first = &entries[0];
    assert_eq!(first.as_object().unwrap().len(), 5);
    assert_eq!(first["userID"], user_id);
    assert_eq!(first["used"], -5);
    assert_eq!(first["remark"], "entry 12");
    assert_display_time(&first["createDate"]);

    let second = h
        .get_with_token(&format!("{}?skip=10&take=10", h.path("PointLog")), &token)
        .await;
    let ids: Vec<u64> = second.data()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 1]);

    let recharges = h
        .get_with_token(&format!("{}?type=1&skip=1&take=3", h.path("PointLog")), &token)
        .await;
    assert_eq!(recharges.data()["total"], 8);
    let used: Vec<i64> = recharges.data()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["used"].as_i64().unwrap())
        .collect();
    assert_eq!(used, vec![100, 80, 70]);

    let consumptions = h
        .get_with_token(&format!("{}?type=2", h.path("PointLog")), &token)
        .await;
    assert_eq!(consumptions.data()["total"], 4);
    assert!(
        consumptions.data()["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["used"] == -5)
    );

    let beyond = h
        .get_with_token(&format!("{}?skip=50", h.path("PointLog")), &token)
        .await;
    assert_eq!(beyond.data(), &json!({"total": 12, "data": []}));
}
