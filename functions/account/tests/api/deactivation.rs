//! v1 `DeactivateHard`: the account and everything that names it go, its
//! identifiers are free, its tokens refused, and the ledger keeps only
//! anonymised totals; a stolen token alone cannot do it.

use aws_sdk_dynamodb::types::AttributeValue;
use oauthapp_shared::auth::password;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::qr::QrRequest;
use oauthapp_shared::domain::verification::{Purpose, Recipient};
use oauthapp_shared::store::{BalanceChange, Confirmation, EntryNote, NewUser, Scanner, keys};
use rand::RngExt;
use serde_json::json;

use crate::common::{GOOD_PASSWORD, Harness};

impl Harness {
    /// The items of partition `pk`, whatever their kind.
    async fn items_of(&self, pk: String) -> Vec<std::collections::HashMap<String, AttributeValue>> {
        let output = self
            .store
            .client()
            .query()
            .table_name(self.store.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk))
            .send()
            .await
            .unwrap();
        output.items.unwrap_or_default()
    }

    async fn partition_items(&self, user_id: u64) -> usize {
        self.items_of(keys::user_partition(self.app.id, user_id))
            .await
            .len()
    }

    /// The app's anonymised records of erased users.
    async fn erased_records(&self) -> Vec<serde_json::Value> {
        let items = self.items_of(format!("ERASED#{}", self.app.id)).await;
        serde_dynamo::from_items(items).unwrap()
    }
}

#[tokio::test]
async fn deactivate_hard_erases_the_account_and_frees_its_identifiers() {
    let h = Harness::with_env(UnionIdProof::None, &[("VERIFICATION_CODES_PER_MINUTE", "3")]).await;
    let email = format!("leaving{}@example.com", rand::rng().random_range(0..u64::MAX));
    let recipient = Recipient::email(&email).unwrap();
    let new_user = NewUser {
        platform: "wxminip".into(),
        user_name: Some("leaving-user".into()),
        password_hash: Some(password::hash(GOOD_PASSWORD)),
        union_id: Some("leaving-union".into()),
        email: email.clone(),
        email_is_valid: true,
        ..NewUser::default()
    };
    let (user, token) = h.create_user(new_user).await;
    let now = oauthapp_shared::domain::clock::now();
    let other = h.sign_in("leaving-user", GOOD_PASSWORD).await;
    h.turn_on_two_factor(&token).await;
    h.store
        .change_points(h.app.id, user.id, 40, "gift", 1)
        .await
        .unwrap();
    h.store
        .change_points(h.app.id, user.id, -15, "spent", 2)
        .await
        .unwrap();
    let gold = [BalanceChange {
        currency: "gold",
        amount: 7,
    }];
    h.store
        .change_balances(h.app.id, user.id, &gold, &EntryNote::default(), now)
        .await
        .unwrap();
    // A QR key the user confirmed names them until it expires.
    let request = QrRequest {
        scopes: String::new(),
        remark: String::new(),
        scheme: String::new(),
    };
    let qr = h
        .store
        .create_qr_key(h.app.id, request, None, now, 300)
        .await
        .unwrap();
    h.store
        .scan_qr_key(qr.key, h.app.id, now, Scanner::Anyone)
        .await
        .unwrap();
    let confirmation = Confirmation {
        user_id: user.id,
        inherits: None,
    };
    h.store
        .confirm_qr_key(qr.key, h.app.id, now, None, confirmation)
        .await
        .unwrap();
    assert!(
        h.partition_items(user.id).await >= 5,
        "sessions, binding, entries, QR key"
    );

    let target = h.v1("User", "/DeactivateHard");
    let reply = h.with_token("DELETE", &target, None, &token).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.data(), &json!(true));

    // Gone for every reader: the user, each guard, every session.
    let store = &h.store;
    assert!(store.user(h.app.id, user.id).await.unwrap().is_none());
    assert!(store.login(h.app.id, "leaving-user").await.unwrap().is_none());
    assert!(
        store
            .union_id_owner(h.app.id, "wxminip", "leaving-union")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.address_owner(h.app.id, &recipient).await.unwrap(), None);
    assert_eq!(h.partition_items(user.id).await, 0, "nothing left behind");
    let qr_item = h
        .store
        .client()
        .get_item()
        .table_name(h.store.table())
        .set_key(Some(keys::qr_key(qr.key).item()))
        .send()
        .await
        .unwrap();
    assert!(
        qr_item.item.is_none(),
        "the confirmed QR key is gone: {:?}",
        qr_item.item
    );
    for token in [&token, &other.token()] {
        let refused = h.get_with_token(&h.v1("User", "/Profile"), token).await;
        assert!(matches!(refused.status, 401 | 404), "{}", refused.body);
    }
    // The ledger keeps the totals, with nothing that says whose.
    let records = h.erased_records().await;
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record["pointBalance"], 25);
    assert_eq!(record["pointEntries"], 2);
    assert_eq!(record["currencies"], json!({"gold": 7}));
    let mut kept: Vec<&str> = record.as_object().unwrap().keys().map(String::as_str).collect();
    kept.sort_unstable();
    let expected = [
        "currencies",
        "erasedAt",
        "pk",
        "pointBalance",
        "pointConsumptions",
        "pointEntries",
        "pointRecharges",
        "sk",
    ];
    assert_eq!(kept, expected, "{record}");

    // Every identifier is free for a new account.
    assert!(!h.sign_up("leaving-user", GOOD_PASSWORD).await.is_empty());
    let union = h
        .send_json(
            "POST",
            &h.legacy("UnionIDSignUp"),
            Some(&json!({"platform": "wxminip", "unionID": "leaving-union"})),
            &[],
        )
        .await;
    assert_eq!(union.status, 200, "{}", union.body);
    let code = h.code_sent_to(Purpose::SignUp, &recipient).await;
    let body = json!({"email": email, "pwd": GOOD_PASSWORD, "emailCode": code});
    let again = h
        .send_json("POST", &h.v1("User", "/EmailSignUp"), Some(&body), &[])
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
}

#[tokio::test]
async fn a_stolen_token_alone_cannot_delete_the_account() {
    let h = Harness::new(UnionIdProof::Signature).await;
    let token = h.sign_up("kept-account", GOOD_PASSWORD).await;
    let stale = h.token_like(&token, |claims| claims.auth_time -= 600).await;
    h.with_token("DELETE", &h.v1("User", "/DeactivateHard"), None, &stale)
        .await
        .assert_error(401, "recent sign-in");
    assert_eq!(h.user_count().await, 1, "nothing deleted");
    assert_eq!(h.sign_in("kept-account", GOOD_PASSWORD).await.status, 200);
}

/// A binding made while the account is being deleted must not leave its
/// guard behind, naming a user who no longer exists: the union id would be
/// taken for ever.
#[tokio::test]
async fn a_binding_made_during_the_deletion_leaves_no_guard_behind() {
    use oauthapp_shared::store::NewBinding;
    use testkit::Reply;

    let h = Harness::new(UnionIdProof::None).await;
    let target = h.v1("User", "/DeactivateHard");
    for round in 0..40 {
        let token = h
            .password_user(&format!("racing-leaver-{round}"), GOOD_PASSWORD)
            .await;
        let user = h.store.user(h.app.id, h.user_id(&token)).await.unwrap().unwrap();
        let union_id = format!("late-binding-{round}");
        let new = NewBinding {
            platform: "web".into(),
            union_id: union_id.clone(),
            platform_name: "web".into(),
            avatar: String::new(),
            data: String::new(),
        };
        let instance = h.another_instance();
        let request = testkit::request("DELETE", &target, None, &[testkit::bearer(&token)]);
        let (reply, _bound) = tokio::join!(
            async { Reply::from_response(instance.answer(request).await) },
            async {
                // Spread over the deletion's reads and writes.
                tokio::time::sleep(std::time::Duration::from_millis(round % 20)).await;
                h.store.bind(h.app.id, &user, new, 0).await
            }
        );
        assert_eq!(reply.status, 200, "round {round}: {}", reply.body);
        let owner = h.store.union_id_owner(h.app.id, "web", &union_id).await.unwrap();
        assert!(
            owner.is_none(),
            "round {round}: a guard names the deleted user: {owner:?}"
        );
        assert_eq!(h.partition_items(user.id).await, 0, "round {round}");
    }
}
