//! Apps whose users prove who they are with a `wx.login` code: QR
//! registration exchanges the code with the fake WeChat and uses the
//! unionid WeChat returns.

use oauthapp_shared::domain::{QrMode, UnionIdProof};
use serde_json::json;

use crate::common::Harness;

#[tokio::test]
async fn qr_registration_proves_the_scanner_with_a_code() {
    let h = Harness::with_wechat(UnionIdProof::WechatCode)
        .await
        .in_qr_mode(QrMode::Legacy)
        .await;
    let initiate = json!({"scopes": "profile", "remark": "web", "scheme": "https"});
    let key = h
        .post(&h.legacy("QRCodePreSignIn"), &initiate, &[])
        .await
        .data()
        .as_u64()
        .unwrap();
    let scan = json!({"signInKey": key});
    assert_eq!(h.post(&h.legacy("QRCodeScan"), &scan, &[]).await.status, 200);
    let register =
        json!({"signInKey": key, "code": h.login_code("oQr01", Some("oQrUnion01")), "nickName": "Q"});
    let reply = h.post(&h.v1("Confirm-Register"), &register, &[]).await;
    let token = reply.token();
    let user = h.store.user(h.app.id, h.user_id(&token)).await.unwrap().unwrap();
    assert_eq!(user.union_id.as_deref(), Some("oQrUnion01"));
    assert_eq!(user.wechat_open_id.as_deref(), Some("oQr01"));
    assert_eq!(user.wechat_union_id.as_deref(), Some("oQrUnion01"));
    let web = h.post(&h.legacy("QRCodeSignIn"), &scan, &[]).await;
    assert_eq!(h.user_id(&web.token()), user.id);
}
