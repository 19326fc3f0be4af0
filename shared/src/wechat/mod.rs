//! WeChat's server API, called on an app's behalf with the app's own
//! WeChat accounts (docs/wechat.md describes every call). Access
//! tokens and jsapi tickets are shared through `credentials`; a call whose
//! token WeChat rejects forgets that token, gets another and is sent once
//! more, and if that one is rejected too, once more after a forced refresh.
//! Each operation answers within `OPERATION_BUDGET`.

mod credentials;
mod crypto;
mod upstream;

use std::future::Future;
use std::time::Duration;

use credentials::{CredentialCache, CredentialName, Issued};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::{App, Error, ErrorKind, Secret, WechatAccount};
use crate::store::Store;

pub use crypto::{DecryptError, decrypt, js_sdk_signature};
pub use upstream::{Answer, api_base};
use upstream::{Failure, Upstream};

pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";

/// Longest one operation of `Wechat` takes (a login-code exchange, a call
/// with its token refreshes and retries, a jsapi ticket): it then answers a
/// 503 whatever WeChat does.
pub const OPERATION_BUDGET: Duration = Duration::from_secs(9);
/// Most operations one request makes: `SubscribeMSG` by a user asks who
/// the follower is, then sends.
pub const OPERATIONS_PER_REQUEST: u32 = 2;
/// What a request's DynamoDB reads and writes around them may take.
pub const STORE_ALLOWANCE: Duration = Duration::from_secs(2);
/// The longest a request of the wechat function runs, by construction;
/// the function's timeout must be longer (a test holds template.yaml to it).
pub const REQUEST_WORST_CASE: Duration = Duration::from_secs(
    OPERATION_BUDGET.as_secs() * OPERATIONS_PER_REQUEST as u64 + STORE_ALLOWANCE.as_secs(),
);

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
    /// `api_base` as `api_base()` checked it.
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
        within_budget(self.exchange_code(mini_program, code)).await
    }

    async fn exchange_code(
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
    /// WeChat wants it). A refused token is forgotten and the call sent
    /// again with the token normal mode hands out; if that is refused too
    /// (WeChat keeps handing out a token it refuses), once more after one
    /// forced refresh, unless another caller shared a newer token meanwhile.
    pub async fn call(&self, account: &WechatAccount, call: &Call<'_>) -> Result<Answer, Error> {
        within_budget(async {
            let mut token = self.access_token(account, false).await?;
            for force_refresh in [false, true] {
                match self.send_with(&token, call).await {
                    Err(failure) if failure.is_stale_token() => {
                        self.credentials.forget(token_name(account), &token).await?;
                        token = self.access_token(account, force_refresh).await?;
                    }
                    result => return Ok(result?),
                }
            }
            Ok(self.send_with(&token, call).await?)
        })
        .await
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
            account: official_account,
        };
        within_budget(self.credentials.get(id, || async {
            let call = Call::get("/cgi-bin/ticket/getticket", &[("type", "jsapi")]);
            let answer = self.call_json(official_account, &call).await?;
            serde_json::from_value::<Issued>(answer).map_err(|_| unexpected("ticket"))
        }))
        .await
    }

    /// Whether WeChat accepts the account's appid and secret: one token
    /// fetch in normal mode, which evicts no token anyone holds. The token
    /// is not shared.
    pub async fn check_account(&self, account: &WechatAccount) -> Result<(), Error> {
        within_budget(self.fetch_token(account, false)).await.map(drop)
    }

    /// The shared token; a fetch asks `stable_token` in normal mode, where
    /// every caller gets the same token while it is valid, so instances
    /// never evict each other's, unless `force_refresh`.
    async fn access_token(&self, account: &WechatAccount, force_refresh: bool) -> Result<Secret, Error> {
        self.credentials
            .get(token_name(account), || self.fetch_token(account, force_refresh))
            .await
    }

    async fn fetch_token(&self, account: &WechatAccount, force_refresh: bool) -> Result<Issued, Error> {
        let body = json!({
            "grant_type": "client_credential",
            "appid": account.app_id,
            "secret": account.secret.expose(),
            "force_refresh": force_refresh,
        });
        let answer = self
            .upstream
            .send(Method::POST, "/cgi-bin/stable_token", &[], Some(&body))
            .await
            .map_err(refused_credentials)?;
        serde_json::from_value::<Issued>(json_of(answer)?).map_err(|_| unexpected("access_token"))
    }
}

/// At `stable_token`, 40001 (wrong AppSecret), 40013 (unknown appid) and
/// 40125 (invalid AppSecret) mean the app's WeChat account is misconfigured.
fn refused_credentials(failure: Failure) -> Error {
    match failure {
        Failure::Refused {
            errcode: errcode @ (40001 | 40013 | 40125),
            ..
        } => Error::upstream(format!(
            "WeChat refused the call: errcode {errcode}, it does not accept this app's WeChat appid and \
             AppSecret; the app's operator sets them with `oauthapp-admin apps set`."
        )),
        other => other.into(),
    }
}

/// `operation`, or the 503 once it has taken `OPERATION_BUDGET`.
async fn within_budget<T>(operation: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    tokio::time::timeout(OPERATION_BUDGET, operation)
        .await
        .unwrap_or_else(|_| {
            Err(Error::new(
                ErrorKind::Unavailable,
                format!(
                    "WeChat did not answer within {} s; retry in a moment.",
                    OPERATION_BUDGET.as_secs()
                ),
            ))
        })
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
        account,
    }
}

fn json_of(answer: Answer) -> Result<Value, Error> {
    match answer {
        Answer::Json(json) => Ok(json),
        Answer::Binary { .. } => Err(unexpected("JSON body")),
    }
}
