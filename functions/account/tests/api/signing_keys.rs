//! ES256 tokens: each names its key (`kid`); a key the set does not hold,
//! a header that lies about the algorithm and (once turned off) HS256 are
//! refused; a rotation's new key is published before it signs and the old
//! one keeps verifying.

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oauthapp_shared::auth::signing_keys::{KeySet, Keys, Rotation};
use oauthapp_shared::domain::{UnionIdProof, clock};
use serde_json::Value;
use testkit::{TEST_SECRET, TEST_SIGNING_KEYS, decode_claims};

use crate::common::{GOOD_PASSWORD, Harness};

fn header(token: &str) -> Header {
    jsonwebtoken::decode_header(token).expect("a JWT header")
}

fn signed(claims: &Value, header: Header, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

#[tokio::test]
async fn tokens_are_es256_and_name_their_key() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.sign_up("es256user", GOOD_PASSWORD).await;
    let header = header(&token);
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(
        header.kid.as_deref(),
        Some(TEST_SIGNING_KEYS.keys[0].kid.as_str())
    );
    let claims = decode_claims(&token);
    let profile = h.path("Profile");
    assert_eq!(h.get_with_token(&profile, &token).await.status, 200);

    // A key of the same kind that the set does not hold, under the set's
    // kid or under an id of its own.
    let stranger = KeySet::default()
        .rotated(clock::now(), Rotation::new(3_600))
        .unwrap();
    let stranger = Keys::new(&stranger).unwrap();
    let key = &stranger.signer(clock::now()).encoding;
    for kid in [
        Some(TEST_SIGNING_KEYS.keys[0].kid.clone()),
        Some("unknown".into()),
        None,
    ] {
        let forged = signed(
            &claims,
            Header {
                kid,
                ..Header::new(Algorithm::ES256)
            },
            key,
        );
        h.get_with_token(&profile, &forged)
            .await
            .assert_error(401, "invalid");
    }
    // The header says ES256, the signature is an HMAC.
    let confused = signed(
        &claims,
        Header {
            kid: header.kid.clone(),
            ..Header::new(Algorithm::HS256)
        },
        &EncodingKey::from_secret(TEST_SECRET),
    );
    let parts: Vec<&str> = confused.split('.').collect();
    let es_header = token.split('.').next().unwrap();
    let lying = format!("{es_header}.{}.{}", parts[1], parts[2]);
    h.get_with_token(&profile, &lying)
        .await
        .assert_error(401, "invalid");
}

#[tokio::test]
async fn hs256_tokens_are_accepted_until_that_is_turned_off() {
    let on = Harness::new(UnionIdProof::None).await;
    let token = on.sign_up("hs256user", GOOD_PASSWORD).await;
    let claims = decode_claims(&token);
    let hs256 = signed(
        &claims,
        Header::new(Algorithm::HS256),
        &EncodingKey::from_secret(TEST_SECRET),
    );
    assert_eq!(on.get_with_token(&on.path("Profile"), &hs256).await.status, 200);

    let off = Harness::with_env(UnionIdProof::None, &[("ACCEPT_HS256_TOKENS", "false")]).await;
    let token = off.sign_up("hs256user", GOOD_PASSWORD).await;
    let claims = decode_claims(&token);
    let hs256 = signed(
        &claims,
        Header::new(Algorithm::HS256),
        &EncodingKey::from_secret(TEST_SECRET),
    );
    off.get_with_token(&off.path("Profile"), &hs256)
        .await
        .assert_error(401, "invalid");
    assert_eq!(off.get_with_token(&off.path("Profile"), &token).await.status, 200);

    // Signing HS256 is a deployment's explicit choice.
    let legacy = Harness::with_env(UnionIdProof::None, &[("TOKEN_SIGNING_ALGORITHM", "HS256")]).await;
    let token = legacy.sign_up("hs256user", GOOD_PASSWORD).await;
    assert_eq!(header(&token).alg, Algorithm::HS256);
    assert_eq!(
        legacy
            .get_with_token(&legacy.path("Profile"), &token)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_rotation_publishes_the_next_key_first_and_signs_no_one_out() {
    let file = std::env::temp_dir().join(format!("oauthapp-keys-{}.json", rand::random::<u64>()));
    let first = KeySet::default()
        .rotated(clock::now(), Rotation::new(3_600))
        .unwrap();
    std::fs::write(&file, first.to_json()).unwrap();
    let path = file.to_str().unwrap();
    let h = Harness::with_env(
        UnionIdProof::None,
        &[("SIGNING_KEYS_FILE", path), ("SIGNING_KEYS_RELOAD_SECONDS", "1")],
    )
    .await;
    let before = h.sign_up("rotated", GOOD_PASSWORD).await;
    assert_eq!(header(&before).kid.unwrap(), first.keys[0].kid);

    let ahead = 3;
    let second = first.rotated(clock::now(), Rotation::new(ahead)).unwrap();
    std::fs::write(&file, second.to_json()).unwrap();
    let next_kid = &second.keys[1].kid;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // The request after the reload interval reads the set again: the next
    // key is published, but the current one still signs.
    let profile = h.path("Profile");
    assert_eq!(h.get_with_token(&profile, &before).await.status, 200);
    let published: Vec<String> = h
        .services()
        .tokens
        .jwks()
        .keys
        .iter()
        .filter_map(|key| key.common.key_id.clone())
        .collect();
    assert_eq!(published, [first.keys[0].kid.clone(), next_kid.clone()]);
    let meanwhile = h.sign_in("rotated", GOOD_PASSWORD).await.token();
    assert_eq!(&header(&meanwhile).kid.unwrap(), &first.keys[0].kid);

    tokio::time::sleep(Duration::from_secs(ahead as u64)).await;
    let after = h.sign_in("rotated", GOOD_PASSWORD).await.token();
    assert_eq!(&header(&after).kid.unwrap(), next_kid);
    for token in [&before, &meanwhile, &after] {
        assert_eq!(h.get_with_token(&profile, token).await.status, 200);
    }
    std::fs::remove_file(&file).unwrap();
}
