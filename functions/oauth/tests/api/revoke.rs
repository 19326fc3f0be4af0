//! `POST /oauth2/revoke` (RFC 7009): 200 always; a token of the app ends
//! its session.

use oauthapp_shared::domain::UnionIdProof;

use crate::Harness;

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_session() {
    let h = Harness::fresh().await;
    let signed_in = h.signed_in().await;
    let refresh_token = signed_in.refresh_token.clone().unwrap();
    let key = h.app.key.clone();
    let revoked = h
        .form(
            "/oauth2/revoke",
            &[
                ("token", &refresh_token),
                ("token_type_hint", "refresh_token"),
                ("client_id", &key),
            ],
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    h.refresh(&refresh_token)
        .await
        .assert_oauth_error(400, "invalid_grant");
    let subject = h
        .services()
        .tokens
        .verify(&signed_in.access_token, h.app.id)
        .unwrap();
    let user = h.store.user(h.app.id, subject.user_id).await.unwrap().unwrap();
    assert!(!user.session_is_live(subject.session_id.as_deref(), subject.issued_at));
}

#[tokio::test]
async fn revoking_an_access_token_ends_its_session_too() {
    let h = Harness::fresh().await;
    let signed_in = h.signed_in().await;
    let key = h.app.key.clone();
    let revoked = h
        .form(
            "/oauth2/revoke",
            &[("token", &signed_in.access_token), ("client_id", &key)],
        )
        .await;
    assert_eq!(revoked.status, 200);
    h.refresh(signed_in.refresh_token.as_deref().unwrap())
        .await
        .assert_oauth_error(400, "invalid_grant");
}

#[tokio::test]
async fn unknown_and_foreign_tokens_get_200_and_end_nothing() {
    let h = Harness::fresh().await;
    let other = Harness::new(UnionIdProof::None).await;
    let signed_in = h.signed_in().await;
    let refresh_token = signed_in.refresh_token.clone().unwrap();
    let other_key = other.app.key.clone();
    for token in ["garbage", refresh_token.as_str(), signed_in.access_token.as_str()] {
        let answer = other
            .form("/oauth2/revoke", &[("token", token), ("client_id", &other_key)])
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    // A forged secret for the real session id ends nothing either.
    let (ids, _) = refresh_token.rsplit_once('.').unwrap();
    let forged = format!("{ids}.{}", "A".repeat(43));
    let key = h.app.key.clone();
    assert_eq!(
        h.form("/oauth2/revoke", &[("token", &forged), ("client_id", &key)])
            .await
            .status,
        200
    );
    assert_eq!(h.refresh(&refresh_token).await.status, 200);
    h.form("/oauth2/revoke", &[("client_id", &key)])
        .await
        .assert_oauth_error(400, "invalid_request");
}
