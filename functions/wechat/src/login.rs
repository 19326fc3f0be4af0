//! What a mini-program asks right after `wx.login`, without a token: the
//! session behind its login code, and decrypting data WeChat gave it.

use lambda_http::Request;
use oauthapp_shared::request::required_query_param;
use oauthapp_shared::routing::AppAddress;
use oauthapp_shared::{ApiError, Services, validate, wechat};

/// `GET JSCode2Session?js_code=`: WeChat's answer (openid, session_key,
/// unionid) as a JSON string.
pub async fn code_to_session(
    services: &Services,
    address: &AppAddress,
    req: &Request,
) -> Result<String, ApiError> {
    let code = required_query_param(req, "js_code")?;
    validate::wechat_code("js_code", &code)?;
    let app = address.load(&services.store).await?;
    let (_, answer) = services
        .wechat
        .code_to_session(wechat::mini_program(&app)?, &code)
        .await?;
    Ok(answer.to_string())
}

/// `GET Decrypt?encryptedData=&iv=&sessionKey=`: the decrypted JSON as a
/// string, once its watermark shows it is the app's mini-program's.
pub async fn decrypt(services: &Services, address: &AppAddress, req: &Request) -> Result<String, ApiError> {
    let encrypted = required_query_param(req, "encryptedData")?;
    let iv = required_query_param(req, "iv")?;
    let session_key = required_query_param(req, "sessionKey")?;
    let app = address.load(&services.store).await?;
    let mini_program = wechat::mini_program(&app)?;
    wechat::decrypt(&encrypted, &iv, &session_key, &mini_program.app_id)
        .map_err(|err| ApiError::bad_request(format!("Cannot decrypt: {err}.")))
}
