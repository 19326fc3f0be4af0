//! Union-id sign-in goes by the user's bindings, which the external-account
//! function changes; here they are changed through the store, as it does.

use oauthapp_shared::domain::{UnionIdProof, clock};
use oauthapp_shared::store::{BindingChange, Bound, NewBinding};
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn a_disabled_sign_up_binding_closes_union_id_sign_in_too() {
    let h = Harness::new(UnionIdProof::None).await;
    let (user_id, _) = h.union_id_user("wxminip", "o-legacy").await;
    let user = h.store.user(h.app.id, user_id).await.unwrap().expect("the user");
    let binding = NewBinding {
        platform: "github".into(),
        union_id: "keeps-a-way".into(),
        platform_name: "github account".into(),
        avatar: "https://blob.example/a.png".into(),
        data: "{\"k\":1}".into(),
    };
    let bound = h
        .store
        .bind(h.app.id, &user, binding, clock::now())
        .await
        .unwrap();
    assert!(matches!(bound, Bound::New(_)), "{bound:?}");
    let disable = BindingChange::Update {
        avatar: None,
        data: None,
        enable: Some(false),
    };
    h.store
        .change_binding(h.app.id, user_id, 1, disable, clock::now())
        .await
        .unwrap();
    let legacy = json!({"platform": "wxminip", "unionID": "o-legacy"});
    h.send_json("POST", &h.legacy("UnionIDSignIn"), Some(&legacy), &[])
        .await
        .assert_error(403, "disabled");
}
