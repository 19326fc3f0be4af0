//! Calls with the app's official account: who a follower is, the JS-SDK
//! configuration of a page, and one-time subscribe messages.

use oauthapp_shared::domain::{App, Error, User, clock, validate};
use oauthapp_shared::http::caller::Caller;
use oauthapp_shared::http::{BearerOrSignature, Ctx, Json, Query};
use oauthapp_shared::wechat::{self, Call, Wechat};
use rand::RngExt;
use rand::distr::Alphanumeric;
use serde::Serialize;
use serde_json::Value;

use crate::mini_program::{Passed, text_field};
use crate::quota;

/// The unionid of the official account's follower `open_id`, if WeChat
/// knows one (only when the account is bound to an Open Platform account).
async fn follower_union_id(wechat: &Wechat, app: &App, open_id: &str) -> Result<Option<String>, Error> {
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

/// The refusal of an official-account openid that is not the user's.
fn not_theirs() -> Error {
    Error::forbidden(
        "You may only use your own official-account openid: one whose unionid a WeChat login of yours proved \
         (sign in with a mini-program login code); the app's backend may use any.",
    )
}

/// The unionid of `user`'s follower `open_id`, which must be the unionid a
/// WeChat login code proved theirs: the profile's unionID may be the
/// client's word. Without a proven unionid WeChat is not asked.
async fn users_follower(wechat: &Wechat, app: &App, user: &User, open_id: &str) -> Result<String, Error> {
    let proven = user.wechat_union_id.as_deref().ok_or_else(not_theirs)?;
    match follower_union_id(wechat, app, open_id).await? {
        Some(union_id) if union_id == proven => Ok(union_id),
        _ => Err(not_theirs()),
    }
}

/// `GET UserInfo?openid=`: the follower's unionid; a user learns only
/// their own.
pub async fn user_info(ctx: Ctx<'_, BearerOrSignature>, query: Query) -> Result<String, Error> {
    quota::spend(&ctx).await?;
    let open_id = query.required("openid")?;
    validate::open_id("openid", open_id)?;
    let (wechat, app) = (&ctx.services.wechat, &ctx.caller.app);
    if let Caller::User(user) = &ctx.caller.caller {
        return users_follower(wechat, app, user, open_id).await;
    }
    follower_union_id(wechat, app, open_id).await?.ok_or_else(|| {
        Error::not_found(
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
    /// Unix seconds, as a string: the v1 client's model types it so, and
    /// `wx.config` takes either.
    timestamp: String,
    signature: String,
    /// The official account's appid (`wx.config`'s `appId`).
    app_key: String,
    js_api_list: Vec<String>,
}

/// Longest page URL signed; browsers and WeChat handle far less in practice.
const MAX_URL_LEN: usize = 2048;

/// `GET JSConfig?url=`: the JS-SDK signature for the page at `url`.
pub async fn js_config(ctx: Ctx<'_, BearerOrSignature>, query: Query) -> Result<JsConfig, Error> {
    let (wechat, app) = (&ctx.services.wechat, &ctx.caller.app);
    let url = query.required("url")?;
    let is_page = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= MAX_URL_LEN
        && !url.chars().any(char::is_whitespace);
    if !is_page {
        return Err(Error::invalid(format!(
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
        signature: wechat::js_sdk_signature(ticket.expose(), &noncestr, timestamp, url),
        noncestr,
        timestamp: timestamp.to_string(),
        app_key: account.app_id.clone(),
        js_api_list: app.wechat.js_api_list.clone(),
    })
}

/// `POST SubscribeMSG`: a one-time subscribe message from the official
/// account; WeChat's answer as a JSON string. A user may only message an
/// openid whose unionid a WeChat login of theirs proved.
pub async fn subscribe_msg(ctx: Ctx<'_, BearerOrSignature>, Json(body): Passed) -> Result<String, Error> {
    quota::spend(&ctx).await?;
    let (wechat, app) = (&ctx.services.wechat, &ctx.caller.app);
    let to = text_field(&body, "touser")?;
    validate::open_id("touser", to)?;
    if let Caller::User(user) = &ctx.caller.caller {
        users_follower(wechat, app, user, to).await?;
    }
    let answer = wechat
        .call_json(
            wechat::official_account(app)?,
            &Call::post("/cgi-bin/message/template/subscribe", &Value::Object(body)),
        )
        .await?;
    Ok(answer.to_string())
}
