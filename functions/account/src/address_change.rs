//! `ResetEmail` and `ResetPhone`: the signed-in user's verified address
//! moves to a new one, proven by the `reset` code sent to it. It needs a
//! recent sign-in: with a verified address comes `ForgotPwd`, so a stolen
//! token must not be enough to take the account over.

use oauthapp_shared::domain::verification::{Code, Purpose, Recipient};
use oauthapp_shared::domain::{Error, clock};
use oauthapp_shared::flows::verification;
use oauthapp_shared::http::{Bearer, Ctx, Json};
use oauthapp_shared::store::AddressChange;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ResetEmailRequest {
    email: Option<String>,
    code: String,
}

#[derive(Deserialize)]
pub struct ResetPhoneRequest {
    phone: Option<String>,
    code: String,
}

pub async fn reset_email(ctx: Ctx<'_, Bearer>, Json(body): Json<ResetEmailRequest>) -> Result<bool, Error> {
    let typed = body.email.unwrap_or_default();
    let recipient = Recipient::email(&typed)?;
    reset_address(ctx, (recipient, typed.trim()), &body.code).await
}

pub async fn reset_phone(ctx: Ctx<'_, Bearer>, Json(body): Json<ResetPhoneRequest>) -> Result<bool, Error> {
    let typed = body.phone.unwrap_or_default();
    let recipient = Recipient::phone(&typed)?;
    reset_address(ctx, (recipient, typed.trim()), &body.code).await
}

async fn reset_address(
    ctx: Ctx<'_, Bearer>,
    (recipient, typed): (Recipient, &str),
    code: &str,
) -> Result<bool, Error> {
    const FIELD: &str = "code";
    let code = Code::given(FIELD, code)?;
    let (services, user) = (ctx.services, &ctx.caller.user);
    let now = clock::now();
    ctx.caller.require_recent_sign_in(
        services.config.recent_sign_in,
        "Changing the account's email address or phone number",
    )?;
    let (current, valid) = user.address(recipient.channel());
    if valid && Recipient::of(recipient.channel(), current).is_ok_and(|same| same == recipient) {
        return Err(Error::invalid("This is the account's verified address already."));
    }
    let checked =
        verification::check_code(services, ctx.app.id, Purpose::Reset, &recipient, &code, FIELD).await?;
    match services
        .store
        .change_address(user, (&recipient, typed), &checked, now)
        .await?
    {
        AddressChange::Changed => Ok(true),
        AddressChange::Taken => Err(Error::conflict("This address belongs to another account.")),
        AddressChange::Raced => Err(Error::conflict(
            "The account or the code changed meanwhile; ask for a new code and send the change again.",
        )),
    }
}
