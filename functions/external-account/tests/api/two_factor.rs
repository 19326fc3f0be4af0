//! The second factor on `POST /ExternalAccount/{appKey}/SignIn`, against
//! DynamoDB Local. Two-factor sign-in is turned on through the store, as
//! enrolling with the account function does; codes are computed here from
//! the key, as an authenticator app would.

use oauthapp_shared::domain::{UnionIdProof, clock};
use testkit::code_at;

use crate::common::Harness;

#[tokio::test]
async fn external_sign_in_asks_for_the_code_and_takes_each_code_once() {
    let h = Harness::new(UnionIdProof::None).await;
    let token = h.password_user("external-second", "secret-1").await;
    assert_eq!(h.bind(&token, "github", "gh-second").await.status, 200);
    let (platform, union_id) = ("github", "gh-second");
    assert_eq!(
        h.external_sign_in(platform, union_id, None).await.status,
        200,
        "before two-factor"
    );
    let key = h.turn_on_two_factor(&token).await;
    let now = clock::now();

    h.external_sign_in(platform, union_id, None)
        .await
        .assert_error(401, "send `twoFactorCode`");
    let wrong = testkit::wrong_code(&key, now + 30);
    h.external_sign_in(platform, union_id, Some(wrong))
        .await
        .assert_error(401, "wrong or expired");
    h.external_sign_in(platform, union_id, Some(&code_at(&key, now - 90)))
        .await
        .assert_error(401, "wrong or expired");
    // The enrolment spent the current step's code.
    h.external_sign_in(platform, union_id, Some(&code_at(&key, now)))
        .await
        .assert_error(401, "used already");
    let next = code_at(&key, now + 30);
    let signed_in = h.external_sign_in(platform, union_id, Some(&next)).await;
    assert_eq!(signed_in.status, 200, "{signed_in:?}");
    assert_eq!(h.user_id(&signed_in.token()), h.user_id(&token));
    h.external_sign_in(platform, union_id, Some(&next))
        .await
        .assert_error(401, "used already");
}
