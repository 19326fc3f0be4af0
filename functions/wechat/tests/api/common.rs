//! The wechat function over `testkit::Harness`, for an app whose WeChat
//! accounts live on a fake WeChat server of the test's own.

use oauthapp_shared::domain::{UnionIdProof, WechatAccount, WechatCallers};
use oauthapp_shared::store::{AppChanges, NewUser};
use serde_json::Value;
use testkit::Reply;
use testkit::fake_wechat::FakeWechat;

testkit::function_harness!(wechat::routes);

impl Harness {
    /// As `with_wechat`, on an app that lets its users make the quota
    /// calls, `per_minute` each.
    pub async fn letting_users_call(proof: UnionIdProof, per_minute: u32) -> Self {
        let changes = AppChanges {
            wechat_callers: Some(WechatCallers::Users),
            wechat_user_calls_per_minute: Some(per_minute),
            ..AppChanges::default()
        };
        Self::with_wechat(proof).await.changed(changes).await
    }

    /// `/Wechat/{appKey}/` followed by `rest`.
    pub fn wechat(&self, rest: &str) -> String {
        self.v1("Wechat", &format!("/{rest}"))
    }

    /// The fake WeChat server.
    pub fn fake(&self) -> &FakeWechat {
        &self.0.wechat().fake
    }

    /// The app's mini-program.
    pub fn mini(&self) -> &WechatAccount {
        &self.0.wechat().mini
    }

    /// The app's official account.
    pub fn official(&self) -> &WechatAccount {
        &self.0.wechat().official
    }

    /// As the app's backend.
    pub async fn backend(&self, method: &str, target: &str, body: Option<&Value>) -> Reply {
        self.send_json(method, target, body, &self.signed(method, target, body))
            .await
    }

    /// As a signed-in user.
    pub async fn user(&self, token: &str, method: &str, target: &str, body: Option<&Value>) -> Reply {
        self.with_token(method, target, body, token).await
    }

    /// A mini-program user with `openid` and `unionid`, as signing up with
    /// a login code leaves them; their token.
    pub async fn wechat_user(&self, openid: &str, unionid: &str) -> String {
        let new_user = NewUser {
            platform: "wxminip".into(),
            union_id: Some(unionid.into()),
            wechat_open_id: Some(openid.into()),
            wechat_union_id: Some(unionid.into()),
            nick_name: "微信用户".into(),
            ..NewUser::default()
        };
        self.create_user(new_user).await.1
    }

    /// `GET JSCode2Session` with `code`.
    pub async fn code_to_session(&self, code: &str) -> Reply {
        let target = self.wechat(&format!("JSCode2Session?js_code={code}"));
        self.send("GET", &target, None, &[]).await
    }

    /// Token fetches of the mini-program's access token so far.
    pub fn mini_token_fetches(&self) -> usize {
        self.fake().token_fetches(&self.mini().app_id)
    }
}
