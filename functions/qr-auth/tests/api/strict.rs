//! Strict QR mode (the default for new apps), against the attacks the seed's
//! flow allows: an onlooker who polls a key they saw, a second device that
//! scans or confirms a key claimed by the first, a token at rest in the key
//! item, and a token renewed by presenting it.

use oauthapp_shared::domain::{QrMode, UnionIdProof, clock};
use oauthapp_shared::store::keys;
use serde_json::{Value, json};
use testkit::{Reply, decode_claims};

use crate::common::{CHALLENGE, Harness, VERIFIER};

/// Another verifier of valid form, which is not the page's.
const WRONG_VERIFIER: &str = "wrong-verifier-of-valid-form-0123456789abcdefghij";
/// A scan ticket of valid form (32 zero bytes), which is no key's.
const WRONG_TICKET: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

async fn strict() -> Harness {
    Harness::new(UnionIdProof::None).await
}

#[tokio::test]
async fn an_onlooker_who_polls_gets_401_and_the_page_still_redeems() {
    let h = strict().await;
    let key = h.strict_key().await;
    let ticket = h.scan_ticket(&h.scan(key).await);
    let (user_id, token) = h.user_with_token("victim").await;
    h.confirm_login_with(key, &token, Some(&ticket)).await.token();

    h.poll(key).await.assert_error(401, "codeVerifier");
    h.poll_with(key, Some(WRONG_VERIFIER))
        .await
        .assert_error(401, "codeVerifier");
    h.poll_with(key, Some("short"))
        .await
        .assert_error(400, "codeVerifier");
    let web = h.poll_with(key, Some(VERIFIER)).await;
    assert_eq!(h.user_id(&web.token()), user_id);
    h.poll_with(key, Some(VERIFIER))
        .await
        .assert_error(400, "used already");
}

#[tokio::test]
async fn initiate_needs_an_s256_code_challenge() {
    let h = strict().await;
    for path in [h.legacy("QRCodePreSignIn"), h.v1("Initiate")] {
        h.post(&path, &json!({"scopes": "s"}), &[])
            .await
            .assert_error(400, "codeChallenge");
        let plain = json!({"codeChallenge": CHALLENGE, "codeChallengeMethod": "plain"});
        h.post(&path, &plain, &[]).await.assert_error(400, "S256");
        let short = json!({"codeChallenge": "abc"});
        h.post(&path, &short, &[])
            .await
            .assert_error(400, "codeChallenge");
        let s256 = json!({"codeChallenge": CHALLENGE, "codeChallengeMethod": "S256"});
        assert_eq!(h.post(&path, &s256, &[]).await.status, 200);
    }
}

#[tokio::test]
async fn a_second_device_can_neither_scan_nor_confirm_a_claimed_key() {
    let h = strict().await;
    let key = h.strict_key().await;
    let first = h.scan(key).await;
    let ticket = h.scan_ticket(&first);
    assert!(ticket.len() >= 22, "at least 128 bits: {ticket}");

    // The attacker photographed the code.
    h.scan(key).await.assert_error(409, "scanned on another device");
    h.scan_with(key, Some(WRONG_TICKET))
        .await
        .assert_error(409, "scanned on another device");
    let (_, attacker) = h.user_with_token("attacker").await;
    h.confirm_login_with(key, &attacker, None)
        .await
        .assert_error(403, "scanTicket");
    h.confirm_login_with(key, &attacker, Some(WRONG_TICKET))
        .await
        .assert_error(403, "scanTicket");
    let register = json!({"signInKey": key, "unionID": "attacker-2", "nickName": "n"});
    h.post(&h.v1("Confirm-Register"), &register, &[])
        .await
        .assert_error(403, "scanTicket");
    h.post(&h.legacy("QRCodeSignUp"), &register, &[])
        .await
        .assert_error(403, "scanTicket");
    assert_eq!(h.user_count().await, 1, "only the attacker's own account");

    // The page still shows the code as scanned.
    h.poll_with(key, Some(VERIFIER))
        .await
        .assert_error(409, "waiting for the user to confirm");
    // The first device retries its scan, then confirms.
    let again = h.scan_with(key, Some(&ticket)).await;
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.data()["name"], first.data()["name"]);
    let (victim_id, victim) = h.user_with_token("victim").await;
    h.confirm_login_with(key, &victim, Some(&ticket)).await.token();
    let web = h.poll_with(key, Some(VERIFIER)).await;
    assert_eq!(h.user_id(&web.token()), victim_id, "the page is the victim's");
}

#[tokio::test]
async fn confirm_register_with_the_ticket_signs_the_page_in() {
    let h = strict().await;
    let key = h.strict_key().await;
    let ticket = h.scan_ticket(&h.scan(key).await);
    let register = json!({"signInKey": key, "scanTicket": ticket, "unionID": "newcomer", "nickName": "n"});
    let mini = h.post(&h.legacy("QRCodeSignUp"), &register, &[]).await;
    let web = h.poll_with(key, Some(VERIFIER)).await;
    assert_eq!(h.user_id(&web.token()), h.user_id(&mini.token()));
    assert_eq!(web.data()["expires_in"], 86400, "a fresh sign-in's token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_scans_on_several_instances_claim_the_key_once() {
    let h = strict().await;
    let key = h.strict_key().await;
    let scans: Vec<_> = (0..8)
        .map(|_| {
            let instance = h.another_instance();
            let request = testkit::request(
                "POST",
                &h.legacy("QRCodeScan"),
                Some(&json!({"signInKey": key}).to_string()),
                &[],
            );
            tokio::spawn(async move { Reply::from_response(instance.answer(request).await) })
        })
        .collect();
    let mut tickets = Vec::new();
    for scan in scans {
        let reply = scan.await.unwrap();
        match reply.status {
            200 => tickets.push(h.scan_ticket(&reply)),
            _ => reply.assert_error(409, "scanned on another device"),
        }
    }
    assert_eq!(tickets.len(), 1, "exactly one device claims the key");
}

/// The key item as DynamoDB holds it.
async fn key_item(h: &Harness, key: u64) -> Value {
    let item = h
        .store
        .client()
        .get_item()
        .table_name(h.store.table())
        .set_key(Some(keys::qr_key(key).item()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the key item");
    serde_json::to_value(format!("{item:?}")).unwrap()
}

#[tokio::test]
async fn the_key_item_holds_no_token_ticket_or_verifier() {
    for mode in [QrMode::Legacy, QrMode::Strict] {
        let h = strict().await.in_qr_mode(mode).await;
        let key = h.strict_key().await;
        let scanned = h.scan(key).await;
        let ticket = h.scan_ticket_if_any(&scanned);
        let (_, token) = h.user_with_token("at-rest").await;
        let mini = h.confirm_login_with(key, &token, ticket.as_deref()).await.token();
        let item = key_item(&h, key).await.to_string();
        assert!(!item.contains("eyJ"), "{mode:?}: a JWT in the key item: {item}");
        assert!(
            !item.contains(&mini),
            "{mode:?}: the mini-program's token at rest"
        );
        assert!(!item.contains(VERIFIER), "{mode:?}: the verifier at rest");
        if let Some(ticket) = ticket {
            assert!(!item.contains(&ticket), "the scan ticket at rest: {item}");
        }
        h.poll_with(key, Some(VERIFIER)).await.token();
    }
}

#[tokio::test]
async fn confirm_login_tokens_expire_no_later_than_the_presented_token() {
    for mode in [QrMode::Legacy, QrMode::Strict] {
        let h = strict().await.in_qr_mode(mode).await;
        let (_, token) = h.user_with_token("short-lived").await;
        let (exp, auth_time) = (clock::now() + 120, clock::now() - 3_600);
        let presented = h
            .token_like(&token, |claims| {
                claims.exp = exp;
                claims.auth_time = auth_time;
            })
            .await;

        let key = h.strict_key().await;
        let scanned = h.scan(key).await;
        let ticket = h.scan_ticket_if_any(&scanned);
        let mini = h.confirm_login_with(key, &presented, ticket.as_deref()).await;
        let web = h.poll_with(key, Some(VERIFIER)).await;
        for (side, reply) in [("mini-program", mini), ("web page", web)] {
            let issued = decode_claims(&reply.token());
            assert!(
                issued["exp"].as_i64().unwrap() <= exp,
                "{mode:?}: the {side}'s token outlives the presented one: {issued}"
            );
            assert_eq!(issued["auth_time"], auth_time, "{mode:?}: {side}");
            assert!(reply.data()["expires_in"].as_i64().unwrap() <= 120);
        }
    }
}

/// A new strict key, scanned: the key and its scan ticket.
async fn scanned_key(h: &Harness) -> (u64, Option<String>) {
    let key = h.strict_key().await;
    let scanned = h.scan(key).await;
    (key, h.scan_ticket_if_any(&scanned))
}

/// A page signed in by presenting a token (Confirm-Login) has a session of
/// its own that ends with the presenting one: signing the phone out signs
/// the page out too, but not the other way round.
#[tokio::test]
async fn the_page_session_ends_with_the_session_that_confirmed_it() {
    use oauthapp_shared::flows::session;
    let h = strict().await;
    let (user_id, phone) = h.user_with_token("presenting").await;
    let (key, ticket) = scanned_key(&h).await;
    assert_eq!(
        h.confirm_login_with(key, &phone, ticket.as_deref()).await.status,
        200
    );
    let page = h.poll_with(key, Some(VERIFIER)).await.token();
    let sid = |token: &str| testkit::decode_claims(token)["sid"].as_str().unwrap().to_owned();
    assert_ne!(sid(&page), sid(&phone), "the page has a session of its own");
    let live = || async { h.store.user(h.app.id, user_id).await.unwrap().unwrap().sessions };
    assert!(live().await.contains(&sid(&page)));

    // Ending the page's session leaves the phone's.
    assert!(
        session::end(&h.setup_services(), h.app.id, user_id, &sid(&page))
            .await
            .unwrap()
    );
    assert!(live().await.contains(&sid(&phone)));
    let (key, ticket) = scanned_key(&h).await;
    assert_eq!(
        h.confirm_login_with(key, &phone, ticket.as_deref()).await.status,
        200
    );
    let second_page = h.poll_with(key, Some(VERIFIER)).await.token();

    // Ending the phone's ends the page's.
    assert!(
        session::end(&h.setup_services(), h.app.id, user_id, &sid(&phone))
            .await
            .unwrap()
    );
    let sessions = live().await;
    assert!(
        !sessions.contains(&sid(&phone)) && !sessions.contains(&sid(&second_page)),
        "{sessions:?}"
    );
    let (key, ticket) = scanned_key(&h).await;
    h.confirm_login_with(key, &second_page, ticket.as_deref())
        .await
        .assert_error(401, "session has ended");
}
