//! What the catch-all route sends here (the template's `$default` route,
//! the watch router's `/{*rest}`): a 404 in the envelope of the path's
//! generation, which reads no table.

use oauthapp_shared::domain::UnionIdProof;

use crate::common::Harness;

#[tokio::test]
async fn paths_nobody_serves_get_a_404_in_their_generations_envelope() {
    let h = Harness::new(UnionIdProof::Signature).await;
    h.requests.take();
    let legacy = h.send("GET", &h.legacy("NoSuchOperation"), None, &[]).await;
    legacy.assert_error(404, "no such endpoint");
    assert!(legacy.body.get("err").is_some(), "{}", legacy.body);
    for path in [
        h.v1("User", "/NoSuchOperation"),
        "/no/such/path".to_owned(),
        "/".to_owned(),
    ] {
        let v1 = h.send("POST", &path, Some("{}"), &[]).await;
        v1.assert_error(404, "no such endpoint");
        assert!(v1.body.get("error").is_some(), "{path}: {}", v1.body);
    }
    let wrong_method = h.send("GET", &h.v1("User", "/SignIn"), None, &[]).await;
    wrong_method.assert_error(405, "GET is not allowed");
    assert_eq!(h.requests.take(), 0, "a 404 or 405 reads nothing");
}
