//! What a mini-program asks right after `wx.login`, without a token: the
//! session behind its login code, and decrypting data WeChat gave it.

use oauthapp_shared::domain::{Error, validate};
use oauthapp_shared::http::{Anyone, Ctx, Query};
use oauthapp_shared::wechat;

/// `GET JSCode2Session?js_code=`: WeChat's answer (openid, session_key,
/// unionid) as a JSON string.
pub async fn js_code2_session(ctx: Ctx<'_, Anyone>, query: Query) -> Result<String, Error> {
    let code = query.required("js_code")?;
    validate::wechat_code("js_code", code)?;
    let services = ctx.services;
    let app = ctx.app.load(&services.store).await?;
    let (_, answer) = services
        .wechat
        .code_to_session(wechat::mini_program(&app)?, code)
        .await?;
    Ok(answer.to_string())
}

/// `GET Decrypt?encryptedData=&iv=&sessionKey=`: the decrypted JSON as a
/// string, once its watermark shows it is the app's mini-program's.
pub async fn decrypt(ctx: Ctx<'_, Anyone>, query: Query) -> Result<String, Error> {
    let encrypted = query.required("encryptedData")?;
    let iv = query.required("iv")?;
    let session_key = query.required("sessionKey")?;
    let app = ctx.app.load(&ctx.services.store).await?;
    let mini_program = wechat::mini_program(&app)?;
    wechat::decrypt(encrypted, iv, session_key, &mini_program.app_id)
        .map_err(|err| Error::invalid(format!("Cannot decrypt: {err}.")))
}
