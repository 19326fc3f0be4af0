//! The `verification` function: v1 `/User/{appKey}/SendEmailCode` and
//! `SendSMSCode`. It is the only function that may send email and SMS, so
//! only its role has `ses:SendEmail` and `sns:Publish`.

use oauthapp_shared::domain::Error;
use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::domain::verification::{Purpose, Recipient};
use oauthapp_shared::flows::verification;
use oauthapp_shared::http::{Anyone, Ctx, Json, Routes};
use serde::Deserialize;

/// The routes this function serves, exactly as API Gateway routes them.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .post("/User/{appKey}/SendEmailCode", Anyone, send_email_code).per_ip(RouteClass::SendCode)
        .post("/User/{appKey}/SendSMSCode", Anyone, send_sms_code).per_ip(RouteClass::SendCode)
}

#[derive(Deserialize)]
pub struct SendEmailCodeRequest {
    email: String,
    #[serde(rename = "type")]
    purpose: String,
}

#[derive(Deserialize)]
pub struct SendSmsCodeRequest {
    phone: String,
    #[serde(rename = "type")]
    purpose: String,
}

fn purpose(word: &str) -> Result<Purpose, Error> {
    word.parse()
        .map_err(|_| Error::invalid("`type` must be signup, signin, forgetpwd or reset."))
}

/// `true` once the code (or the notice that replaces it) is sent: the same
/// answer whether or not an account has the address.
async fn send_email_code(
    ctx: Ctx<'_, Anyone>,
    Json(body): Json<SendEmailCodeRequest>,
) -> Result<bool, Error> {
    let recipient = Recipient::email(&body.email)?;
    send(ctx, recipient, &body.purpose).await
}

async fn send_sms_code(ctx: Ctx<'_, Anyone>, Json(body): Json<SendSmsCodeRequest>) -> Result<bool, Error> {
    let recipient = Recipient::phone(&body.phone)?;
    send(ctx, recipient, &body.purpose).await
}

async fn send(ctx: Ctx<'_, Anyone>, recipient: Recipient, word: &str) -> Result<bool, Error> {
    let purpose = purpose(word)?;
    let app = ctx.app.load(&ctx.services.store).await?;
    verification::send_code(ctx.services, &app, &recipient, purpose).await?;
    Ok(true)
}
