//! Calls with the app's mini-program: subscribe messages, links into the
//! mini-program, its code images and the content check. Bodies are WeChat's
//! own request bodies, passed on as given.

use oauthapp_shared::domain::{App, Error};
use oauthapp_shared::http::caller::Caller;
use oauthapp_shared::http::{BearerOrSignature, Ctx, Image, Json};
use oauthapp_shared::wechat::{self, Answer, Call, Wechat};
use serde_json::{Map, Value};

use crate::quota;

/// A body passed on to WeChat as given: a JSON object.
pub type Passed = Json<Map<String, Value>>;

/// A required string field of a passed body.
pub fn text_field<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, Error> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| Error::invalid(format!("Field `{field}` is required and must be a string.")))
}

/// POSTs `body` to `path` with the mini-program's token; the JSON answer.
async fn post(wechat: &Wechat, app: &App, path: &str, body: Map<String, Value>) -> Result<Value, Error> {
    let body = Value::Object(body);
    wechat
        .call_json(wechat::mini_program(app)?, &Call::post(path, &body))
        .await
}

/// The string field WeChat's answer must carry.
fn answered(answer: &Value, field: &str) -> Result<String, Error> {
    answer
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::upstream(format!("WeChat's answer has no `{field}`.")))
}

/// Whether the caller may message `open_id` in the mini-program: the
/// backend anyone, a user the openid a WeChat login code proved theirs.
fn may_message(caller: &Caller, open_id: &str) -> bool {
    match caller {
        Caller::Backend => true,
        Caller::User(user) => user.wechat_open_id.as_deref() == Some(open_id),
    }
}

/// `POST SubscribeSend`: WeChat's answer (with `msgid`) as a JSON string.
/// A user may only message their own openid.
pub async fn subscribe_send(ctx: Ctx<'_, BearerOrSignature>, Json(body): Passed) -> Result<String, Error> {
    let (wechat, app) = (&ctx.services.wechat, &ctx.caller.app);
    if !may_message(&ctx.caller.caller, text_field(&body, "touser")?) {
        return Err(Error::forbidden(
            "You may only send messages to your own openid (the one your latest WeChat sign-in proved); the \
             app's backend may send to anyone.",
        ));
    }
    Ok(post(wechat, app, "/cgi-bin/message/subscribe/send", body)
        .await?
        .to_string())
}

/// `POST UrlLinkGenerate`: the `url_link`.
pub async fn url_link_generate(ctx: Ctx<'_, BearerOrSignature>, Json(body): Passed) -> Result<String, Error> {
    quota::spend(&ctx).await?;
    answered(
        &post(
            &ctx.services.wechat,
            &ctx.caller.app,
            "/wxa/generate_urllink",
            body,
        )
        .await?,
        "url_link",
    )
}

/// `POST GenerateScheme`: the `openlink`.
pub async fn generate_scheme(ctx: Ctx<'_, BearerOrSignature>, Json(body): Passed) -> Result<String, Error> {
    quota::spend(&ctx).await?;
    answered(
        &post(&ctx.services.wechat, &ctx.caller.app, "/wxa/generatescheme", body).await?,
        "openlink",
    )
}

/// `POST MsgSecCheck`: the verdict (`result`) of content check version 2.
pub async fn msg_sec_check(ctx: Ctx<'_, BearerOrSignature>, Json(mut body): Passed) -> Result<Value, Error> {
    quota::spend(&ctx).await?;
    match body.get("version") {
        None => {
            body.insert("version".to_owned(), Value::from(2));
        }
        Some(version) if version.as_i64() == Some(2) || version.as_str() == Some("2") => {}
        Some(_) => {
            return Err(Error::invalid("`version` must be 2 (content check version 2)."));
        }
    }
    let answer = post(&ctx.services.wechat, &ctx.caller.app, "/wxa/msg_sec_check", body).await?;
    answer
        .get("result")
        .cloned()
        .ok_or_else(|| Error::upstream("WeChat's answer has no `result`."))
}

/// `POST WXACodeGet`: the image itself, not an envelope.
pub async fn wxa_code_get(ctx: Ctx<'_, BearerOrSignature>, Json(body): Passed) -> Result<Image, Error> {
    quota::spend(&ctx).await?;
    code_image(&ctx.services.wechat, &ctx.caller.app, "/wxa/getwxacode", body).await
}

/// `POST WXACodeGetUnlimited`: the image itself, not an envelope.
pub async fn wxa_code_get_unlimited(
    ctx: Ctx<'_, BearerOrSignature>,
    Json(body): Passed,
) -> Result<Image, Error> {
    quota::spend(&ctx).await?;
    code_image(
        &ctx.services.wechat,
        &ctx.caller.app,
        "/wxa/getwxacodeunlimit",
        body,
    )
    .await
}

/// The code image WeChat makes at `path` for `body`.
async fn code_image(
    wechat: &Wechat,
    app: &App,
    path: &str,
    body: Map<String, Value>,
) -> Result<Image, Error> {
    let body = Value::Object(body);
    let answer = wechat
        .call(wechat::mini_program(app)?, &Call::post(path, &body))
        .await?;
    match answer {
        Answer::Binary { content_type, bytes } => Ok(Image { content_type, bytes }),
        Answer::Json(_) => Err(Error::upstream("WeChat answered without an image.")),
    }
}
