//! Calls with the app's official account: who a follower is, the JS-SDK
//! configuration of a page, and one-time subscribe messages.

use lambda_http::Request;
use oauthapp_shared::request::required_query_param;
use oauthapp_shared::store::App;
use oauthapp_shared::wechat::{self, Call, Wechat};
use oauthapp_shared::{ApiError, clock, validate};
use rand::RngExt;
use rand::distr::Alphanumeric;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::caller::Caller;
use crate::mini_program::{passed_body, text_field};

/// The unionid of the official account's follower `open_id`, if WeChat
/// knows one (only when the account is bound to an Open Platform account).
async fn follower_union_id(wechat: &Wechat, app: &App, open_id: &str) -> Result<Option<String>, ApiError> {
    let info = wechat
        .call_json(
            wechat::official_account(app)?,
            &Call::get("/cgi-bin/user/info", &[("openid", open_id), ("lang", "zh_CN")]),
        )
        .await?;
    Ok(info
        .get("unionid")
        .and_then(Value::as_str)
        .map(|id| id.trim().to_owned()))
}

/// `GET UserInfo?openid=`: the follower's unionid.
pub async fn union_id(wechat: &Wechat, app: &App, req: &Request) -> Result<String, ApiError> {
    let open_id = required_query_param(req, "openid")?;
    validate::open_id("openid", &open_id)?;
    follower_union_id(wechat, app, &open_id).await?.ok_or_else(|| {
        ApiError::not_found(
            "WeChat gives no unionid for this openid: the official account is not bound to an Open Platform \
             account.",
        )
    })
}

/// What a page passes to `wx.config`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JsConfig {
    noncestr: String,
    timestamp: i64,
    signature: String,
    /// The official account's appid (`wx.config`'s `appId`).
    app_key: String,
    js_api_list: Vec<String>,
}

/// Longest page URL signed; browsers and WeChat handle far less in practice.
const MAX_URL_LEN: usize = 2048;

/// `GET JSConfig?url=`: the JS-SDK signature for the page at `url`.
pub async fn js_config(wechat: &Wechat, app: &App, req: &Request) -> Result<JsConfig, ApiError> {
    let url = required_query_param(req, "url")?;
    let is_page = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= MAX_URL_LEN
        && !url.chars().any(char::is_whitespace);
    if !is_page {
        return Err(ApiError::bad_request(format!(
            "`url` must be the page's http(s) URL, at most {MAX_URL_LEN} characters."
        )));
    }
    let account = wechat::official_account(app)?;
    let ticket = wechat.jsapi_ticket(account).await?;
    let noncestr: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    let timestamp = clock::now();
    Ok(JsConfig {
        signature: wechat::js_sdk_signature(&ticket, &noncestr, timestamp, &url),
        noncestr,
        timestamp,
        app_key: account.app_id.clone(),
        js_api_list: app.wechat.js_api_list.clone(),
    })
}

/// `POST SubscribeMSG`: a one-time subscribe message from the official
/// account; WeChat's answer as a JSON string. A user may only message an
/// openid WeChat says is theirs (the follower's unionid is the user's).
pub async fn subscribe_message(
    wechat: &Wechat,
    app: &App,
    caller: &Caller,
    req: &Request,
) -> Result<String, ApiError> {
    let body: Map<String, Value> = passed_body(req)?;
    let to = text_field(&body, "touser")?;
    validate::open_id("touser", to)?;
    if let Caller::User(user) = caller {
        let theirs = follower_union_id(wechat, app, to).await?;
        if theirs.is_none() || theirs != user.union_id {
            return Err(ApiError::forbidden(
                "You may only send messages to your own openid; the app's backend may send to anyone.",
            ));
        }
    }
    let answer = wechat
        .call_json(
            wechat::official_account(app)?,
            &Call::post("/cgi-bin/message/template/subscribe", &Value::Object(body)),
        )
        .await?;
    Ok(answer.to_string())
}
