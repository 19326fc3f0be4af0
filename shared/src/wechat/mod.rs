//! WeChat's server API, called on an app's behalf with the app's own
//! WeChat accounts (docs/wechat.md describes every call). Access
//! tokens and jsapi tickets are shared through `credentials`; a call whose
//! token WeChat rejects forgets that token, fetches another and is sent
//! once more.

mod credentials;
mod crypto;
mod upstream;

use credentials::{CredentialCache, CredentialName, Issued};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::{App, Error, Secret, WechatAccount};
use crate::store::Store;

pub use crypto::{DecryptError, decrypt, js_sdk_signature};
pub use upstream::Answer;
use upstream::{Failure, Upstream};

pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

const ACCESS_TOKEN: &str = "access-token";
const JSAPI_TICKET: &str = "jsapi-ticket";

/// What `wx.login`'s code stands for.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginSession {
    pub openid: String,
    pub session_key: Secret,
    /// Only when the mini-program is bound to an Open Platform account.
    pub unionid: Option<String>,
}

impl LoginSession {
    /// The id this user is known by: the unionid, else the openid.
    pub fn union_id(&self) -> &str {
        self.unionid.as_deref().unwrap_or(&self.openid)
    }
}

/// One call of WeChat's API, but for the access token.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    method: Method,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    body: Option<&'a Value>,
}

impl<'a> Call<'a> {
    pub fn get(path: &'a str, query: &'a [(&'a str, &'a str)]) -> Self {
        Self {
            method: Method::GET,
            path,
            query,
            body: None,
        }
    }

    /// A POST of `body` as JSON.
    pub fn post(path: &'a str, body: &'a Value) -> Self {
        Self {
            method: Method::POST,
            path,
            query: &[],
            body: Some(body),
        }
    }
}

pub struct Wechat {
    upstream: Upstream,
    credentials: CredentialCache,
}

fn unexpected(what: &str) -> Error {
    Failure::Unreachable(format!("the answer has no {what}")).into()
}

impl Wechat {
    pub fn new(api_base: &str, store: Store) -> Self {
        Self {
            upstream: Upstream::new(api_base),
            credentials: CredentialCache::new(store),
        }
    }

    /// `/sns/jscode2session`: the session behind a `wx.login` code, and
    /// WeChat's answer as it came.
    pub async fn code_to_session(
        &self,
        mini_program: &WechatAccount,
        code: &str,
    ) -> Result<(LoginSession, Value), Error> {
        let query = [
            ("appid", mini_program.app_id.as_str()),
            ("secret", mini_program.secret.expose()),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ];
        let answer = self
            .upstream
            .send(Method::GET, "/sns/jscode2session", &query, None)
            .await?;
        let json = json_of(answer)?;
        let session =
            serde_json::from_value(json.clone()).map_err(|_| unexpected("openid and session_key"))?;
        Ok((session, json))
    }

    /// A call that needs the account's access token (in the query, as
    /// WeChat wants it). A stale token is replaced and the call sent again,
    /// once.
    pub async fn call(&self, account: &WechatAccount, call: &Call<'_>) -> Result<Answer, Error> {
        let token = self.access_token(account).await?;
        match self.send_with(&token, call).await {
            Err(failure) if failure.is_stale_token() => {
                self.credentials.forget(token_name(account), &token).await?;
                let token = self.access_token(account).await?;
                Ok(self.send_with(&token, call).await?)
            }
            result => Ok(result?),
        }
    }

    async fn send_with(&self, token: &Secret, call: &Call<'_>) -> Result<Answer, Failure> {
        let mut query = vec![("access_token", token.expose())];
        query.extend_from_slice(call.query);
        self.upstream
            .send(call.method.clone(), call.path, &query, call.body)
            .await
    }

    /// As `call`, for an answer that must be JSON.
    pub async fn call_json(&self, account: &WechatAccount, call: &Call<'_>) -> Result<Value, Error> {
        json_of(self.call(account, call).await?)
    }

    /// The official account's jsapi ticket, shared like access tokens.
    pub async fn jsapi_ticket(&self, official_account: &WechatAccount) -> Result<Secret, Error> {
        let id = CredentialName {
            name: JSAPI_TICKET,
            wechat_app_id: &official_account.app_id,
        };
        self.credentials
            .get(id, || async {
                let call = Call::get("/cgi-bin/ticket/getticket", &[("type", "jsapi")]);
                let answer = self.call_json(official_account, &call).await?;
                serde_json::from_value::<Issued>(answer).map_err(|_| unexpected("ticket"))
            })
            .await
    }

    /// `/cgi-bin/stable_token` in normal mode: every caller gets the same
    /// token while it is valid, so instances never evict each other's.
    async fn access_token(&self, account: &WechatAccount) -> Result<Secret, Error> {
        self.credentials
            .get(token_name(account), || async {
                let body = json!({
                    "grant_type": "client_credential",
                    "appid": account.app_id,
                    "secret": account.secret.expose(),
                    "force_refresh": false,
                });
                let answer = self
                    .upstream
                    .send(Method::POST, "/cgi-bin/stable_token", &[], Some(&body))
                    .await?;
                serde_json::from_value::<Issued>(json_of(answer)?).map_err(|_| unexpected("access_token"))
            })
            .await
    }
}

/// The app's mini-program, or the 400 saying it has none.
pub fn mini_program(app: &App) -> Result<&WechatAccount, Error> {
    configured(
        &app.wechat.mini_program,
        "mini-program",
        "--wechat-mini-appid … --wechat-mini-secret …",
    )
}

/// The app's official account, or the 400 saying it has none.
pub fn official_account(app: &App) -> Result<&WechatAccount, Error> {
    configured(
        &app.wechat.official_account,
        "official account",
        "--wechat-oa-appid … --wechat-oa-secret …",
    )
}

fn configured<'a>(
    account: &'a Option<WechatAccount>,
    which: &str,
    flags: &str,
) -> Result<&'a WechatAccount, Error> {
    account.as_ref().ok_or_else(|| {
        Error::invalid(format!(
            "This app has no WeChat {which} set up; its operator adds one with `oauthapp-admin apps set <appId> \
             {flags}`."
        ))
    })
}

fn token_name(account: &WechatAccount) -> CredentialName<'_> {
    CredentialName {
        name: ACCESS_TOKEN,
        wechat_app_id: &account.app_id,
    }
}

fn json_of(answer: Answer) -> Result<Value, Error> {
    match answer {
        Answer::Json(json) => Ok(json),
        Answer::Binary { .. } => Err(unexpected("JSON body")),
    }
}
