//! Calls with the app's mini-program: subscribe messages, links into the
//! mini-program, its code images and the content check. Bodies are WeChat's
//! own request bodies, passed on as given.

use lambda_http::http::header;
use lambda_http::{Body, Request, Response};
use oauthapp_shared::ApiError;
use oauthapp_shared::envelope::Outcome;
use oauthapp_shared::request::json_body;
use oauthapp_shared::store::App;
use oauthapp_shared::wechat::{self, Answer, Call, Wechat};
use serde_json::{Map, Value};

use crate::caller::Caller;

/// The JSON object body to pass on to WeChat.
pub fn passed_body(req: &Request) -> Result<Map<String, Value>, ApiError> {
    json_body(req)
}

/// A required string field of a passed body.
pub fn text_field<'a>(body: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("Field `{field}` is required and must be a string.")))
}

/// POSTs `body` to `path` with the mini-program's token; the JSON answer.
async fn post(wechat: &Wechat, app: &App, path: &str, body: Map<String, Value>) -> Result<Value, ApiError> {
    let body = Value::Object(body);
    wechat
        .call_json(wechat::mini_program(app)?, &Call::post(path, &body))
        .await
}

/// The string field WeChat's answer must carry.
fn answered(answer: &Value, field: &str) -> Result<String, ApiError> {
    answer
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::bad_gateway(format!("WeChat's answer has no `{field}`.")))
}

/// `POST SubscribeSend`: WeChat's answer (with `msgid`) as a JSON string.
/// A user may only message their own openid.
pub async fn subscribe_send(
    wechat: &Wechat,
    app: &App,
    caller: &Caller,
    req: &Request,
) -> Result<String, ApiError> {
    let body = passed_body(req)?;
    if !caller.may_message(text_field(&body, "touser")?) {
        return Err(ApiError::forbidden(
            "You may only send messages to your own openid (the one your latest WeChat sign-in proved); the \
             app's backend may send to anyone.",
        ));
    }
    Ok(post(wechat, app, "/cgi-bin/message/subscribe/send", body)
        .await?
        .to_string())
}

/// `POST UrlLinkGenerate`: the `url_link`.
pub async fn url_link(wechat: &Wechat, app: &App, req: &Request) -> Result<String, ApiError> {
    answered(
        &post(wechat, app, "/wxa/generate_urllink", passed_body(req)?).await?,
        "url_link",
    )
}

/// `POST GenerateScheme`: the `openlink`.
pub async fn scheme(wechat: &Wechat, app: &App, req: &Request) -> Result<String, ApiError> {
    answered(
        &post(wechat, app, "/wxa/generatescheme", passed_body(req)?).await?,
        "openlink",
    )
}

/// `POST MsgSecCheck`: the verdict (`result`) of content check version 2.
pub async fn message_check(wechat: &Wechat, app: &App, req: &Request) -> Result<Value, ApiError> {
    let mut body = passed_body(req)?;
    match body.get("version") {
        None => {
            body.insert("version".to_owned(), Value::from(2));
        }
        Some(version) if version.as_i64() == Some(2) || version.as_str() == Some("2") => {}
        Some(_) => {
            return Err(ApiError::bad_request(
                "`version` must be 2 (content check version 2).",
            ));
        }
    }
    let answer = post(wechat, app, "/wxa/msg_sec_check", body).await?;
    answer
        .get("result")
        .cloned()
        .ok_or_else(|| ApiError::bad_gateway("WeChat's answer has no `result`."))
}

/// `POST WXACodeGet` / `WXACodeGetUnlimited`: the image itself, not an
/// envelope.
pub async fn code_image(wechat: &Wechat, app: &App, req: &Request, path: &str) -> Result<Outcome, ApiError> {
    let body = Value::Object(passed_body(req)?);
    let answer = wechat
        .call(wechat::mini_program(app)?, &Call::post(path, &body))
        .await?;
    let Answer::Binary { content_type, bytes } = answer else {
        return Err(ApiError::bad_gateway("WeChat answered without an image."));
    };
    let response = Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::Binary(bytes))
        .map_err(ApiError::internal)?;
    Ok(Outcome::Response(response))
}
