//! `/User/{appKey}/TwoFactorAuth`: enrolling an authenticator app for
//! two-factor sign-in, and turning it off. GET hands out a new secret, POST
//! turns sign-in with it on once a code proves the app holds it, DELETE
//! turns it off with a current code.

use oauthapp_shared::auth::two_factor::{self, CODE_DIGITS, Enrolment};
use oauthapp_shared::domain::{Error, clock};
use oauthapp_shared::http::{Bearer, Ctx, Json};
use oauthapp_shared::store::EnrolmentStart;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CodeRequest {
    code: String,
}

fn already_on() -> Error {
    Error::conflict(
        "Two-factor sign-in is on already; turn it off (DELETE with a current code) before enrolling again.",
    )
}

/// The 6-digit `code` of a POST or DELETE body.
fn code(body: CodeRequest) -> Result<String, Error> {
    if two_factor::is_code(&body.code) {
        Ok(body.code)
    } else {
        Err(Error::invalid(format!(
            "`code` must be the {CODE_DIGITS}-digit code the authenticator app shows."
        )))
    }
}

/// GET: a new pending secret, replacing any earlier unconfirmed one. The
/// app is read with the user: the authenticator entry carries its name.
pub async fn get(ctx: Ctx<'_, Bearer>, (): ()) -> Result<Enrolment, Error> {
    let services = ctx.services;
    let (app, user) = services
        .store
        .app_and_user(ctx.app.id, ctx.caller.user_id)
        .await?;
    let app = ctx.app.known(app)?;
    let user = user.ok_or_else(Error::user_gone)?;
    if user.two_factor.is_on() {
        return Err(already_on());
    }
    let secret = two_factor::new_secret();
    let sealed = services.totp_secrets.seal(&user, &secret)?;
    match services
        .store
        .start_two_factor_enrolment(app.id, user.id, &sealed)
        .await?
    {
        EnrolmentStart::Started => two_factor::enrolment(secret, &app, &user),
        EnrolmentStart::AlreadyOn => Err(already_on()),
        EnrolmentStart::UserGone => Err(Error::user_gone()),
    }
}

/// POST: turns two-factor sign-in on if `code` matches the pending secret.
pub async fn post(ctx: Ctx<'_, Bearer>, Json(body): Json<CodeRequest>) -> Result<bool, Error> {
    let code = code(body)?;
    let (services, app_id) = (ctx.services, ctx.app.id);
    let user = ctx.signed_in_user().await?;
    if user.two_factor.is_on() {
        return Err(already_on());
    }
    let pending = user.two_factor.totp_pending.as_deref().ok_or_else(|| {
        Error::conflict("No enrolment is pending; GET TwoFactorAuth first to receive a secret.")
    })?;
    let secret = services.totp_secrets.open(&user, pending)?;
    let step = two_factor::matching_step(secret, &code, clock::now())?.ok_or_else(|| {
        Error::invalid(
            "The code does not match the secret handed out; check the authenticator app's entry and clock, \
             and send the code it shows now.",
        )
    })?;
    if services
        .store
        .turn_on_two_factor(app_id, user.id, pending, step)
        .await?
    {
        Ok(true)
    } else {
        Err(Error::conflict(
            "The enrolment changed meanwhile (another GET or POST); GET TwoFactorAuth again.",
        ))
    }
}

/// DELETE: turns two-factor sign-in off, given a current, unused code.
pub async fn delete(ctx: Ctx<'_, Bearer>, Json(body): Json<CodeRequest>) -> Result<bool, Error> {
    let code = code(body)?;
    let (services, app_id) = (ctx.services, ctx.app.id);
    let user = ctx.signed_in_user().await?;
    let sealed = user
        .two_factor
        .totp_secret
        .as_deref()
        .ok_or_else(|| Error::conflict("Two-factor sign-in is off already."))?;
    let secret = services.totp_secrets.open(&user, sealed)?;
    let refused = |what: &str| Error::forbidden(format!("{what}; two-factor sign-in stays on."));
    let step = two_factor::matching_step(secret, &code, clock::now())?
        .ok_or_else(|| refused("The code is wrong or expired"))?;
    if services
        .store
        .turn_off_two_factor(app_id, user.id, sealed, step)
        .await?
    {
        Ok(true)
    } else {
        Err(refused(
            "This code was used already; wait for the authenticator app's next code",
        ))
    }
}
