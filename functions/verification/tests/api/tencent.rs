//! SMS through Tencent Cloud SMS, to a fake server that checks the TC3
//! signature and answers as Tencent Cloud documents `SendSms`.

use oauthapp_shared::delivery::{TencentCredentials, TencentSms};
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::verification::{Purpose, Recipient, SmsProvider};
use oauthapp_shared::store::AppChanges;
use testkit::fake_tencent_sms::{FakeTencentSms, SECRET_ID, SECRET_KEY};

use crate::{Harness, fresh_phone};

async fn on_tencent(fake: &FakeTencentSms, secret_key: &str) -> Harness {
    let credentials = TencentCredentials::parse(&format!(
        r#"{{"secretId":"{SECRET_ID}","secretKey":"{secret_key}"}}"#
    ))
    .unwrap();
    let tencent = TencentSms::new(&fake.uri(), "ap-guangzhou", Some(credentials)).unwrap();
    let mut h = Harness(
        testkit::Harness::sending_codes(::verification::routes, UnionIdProof::Signature, &[], tencent).await,
    );
    let mut settings = h.app.verification.clone();
    settings.sms_provider = SmsProvider::Tencent;
    settings.sms_sign_name = Some("开发文档".into());
    settings.sms_template_id = Some("1234567".into());
    settings.sms_sdk_app_id = Some("1400000001".into());
    h.0.change_app(AppChanges {
        verification: Some(settings),
        ..AppChanges::default()
    })
    .await;
    h
}

#[tokio::test]
async fn a_code_goes_out_as_the_apps_approved_template() {
    let fake = FakeTencentSms::start().await;
    fake.approve("1400000001", "开发文档", "1234567");
    let h = on_tencent(&fake, SECRET_KEY).await;
    let (national, e164) = fresh_phone();
    let reply = h.send_sms_code(&national, "signup").await;
    assert_eq!(reply.status, 200, "{reply:?} {:?}", fake.refused());
    let sent = fake.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].phone_number.as_str(), sent[0].template_id.as_str()),
        (e164.as_str(), "1234567")
    );
    assert_eq!(sent[0].params[1], "10", "the minutes");
    let recipient = Recipient::phone(&national).unwrap();
    assert!(
        h.check(Purpose::SignUp, &recipient, &sent[0].params[0])
            .await
            .is_ok()
    );
    // A notice has no template: nothing goes out, and the answer is the same.
    let (stranger, _) = fresh_phone();
    assert_eq!(h.send_sms_code(&stranger, "signin").await.status, 200);
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn tencents_refusals_are_502s() {
    let fake = FakeTencentSms::start().await;
    let h = on_tencent(&fake, "not-the-secret-key").await;
    h.send_sms_code(&fresh_phone().0, "signup")
        .await
        .assert_error(502, "could not be sent");
    assert_eq!(fake.refused(), ["AuthFailure.SignatureFailure"]);
    let h = on_tencent(&fake, SECRET_KEY).await;
    // Signed right, but the template was never approved.
    h.send_sms_code(&fresh_phone().0, "signup")
        .await
        .assert_error(502, "could not be sent");
    assert!(fake.sent().is_empty());
}
