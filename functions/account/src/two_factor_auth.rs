//! `/User/{appKey}/TwoFactorAuth`: enrolling an authenticator app for
//! two-factor sign-in, and turning it off. GET hands out a new secret, POST
//! turns sign-in with it on once a code proves the app holds it, DELETE
//! turns it off with a current code.
//!
//! A token alone is not enough for any of them: it must come from a recent
//! sign-in (`RECENT_SIGN_IN_SECONDS`), or POST and DELETE carry the user's
//! password in `pwd`. Their wrong codes and passwords count on the user's own
//! lockout (`Credential::User`), each attempt reserved before it is checked.

use oauthapp_shared::auth::password;
use oauthapp_shared::auth::two_factor::{self, CODE_DIGITS, Enrolment};
use oauthapp_shared::domain::lockout::Credential;
use oauthapp_shared::domain::{Error, User, clock};
use oauthapp_shared::flows::sign_in::SignInAttempt;
use oauthapp_shared::http::{Bearer, Ctx, Json};
use oauthapp_shared::store::{EndingOthers, EnrolmentStart};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CodeRequest {
    code: String,
    /// The user's password, when the token's sign-in is not recent.
    pwd: Option<String>,
}

fn already_on() -> Error {
    Error::conflict(
        "Two-factor sign-in is on already; turn it off (DELETE with a current code) before enrolling again.",
    )
}

/// The refusal of a token whose sign-in is not recent; `password_helps`:
/// the route takes `pwd` instead, and the user has a password.
fn needs_recent_sign_in(password_helps: bool) -> Error {
    let needs = "Changing two-factor sign-in needs a recent sign-in: sign in again for a new token";
    Error::unauthenticated(if password_helps {
        format!("{needs}, or send your password in `pwd`.")
    } else {
        format!("{needs}.")
    })
}

/// Whether the token's sign-in is recent enough on its own.
fn recent(ctx: &Ctx<'_, Bearer>) -> bool {
    ctx.caller
        .subject
        .signed_in_within(ctx.services.config.recent_sign_in, clock::now())
}

/// A change of two-factor sign-in ends the user's other sessions, in the
/// write that makes it: turned on, sessions that signed in without a code
/// no longer stand; turned off, neither do those of whoever had the
/// authenticator.
fn ending_others<'a>(ctx: &'a Ctx<'_, Bearer>) -> EndingOthers<'a> {
    EndingOthers {
        keep: ctx.caller.subject.session_id.as_deref(),
        now: clock::now(),
    }
}

/// The 6-digit `code` of a POST or DELETE body.
fn code(body: &CodeRequest) -> Result<&str, Error> {
    if two_factor::is_code(&body.code) {
        Ok(&body.code)
    } else {
        Err(Error::invalid(format!(
            "`code` must be the {CODE_DIGITS}-digit code the authenticator app shows."
        )))
    }
}

/// An attempt at a change, reserved on the user's lockout (which reads the
/// user), its password checked unless the token's sign-in is recent.
async fn attempt<'a>(ctx: &Ctx<'a, Bearer>, pwd: Option<String>) -> Result<(SignInAttempt<'a>, User), Error> {
    let pwd = match (recent(ctx), pwd.filter(|pwd| !pwd.is_empty())) {
        (true, _) => None,
        (false, Some(pwd)) => Some(pwd),
        (false, None) => return Err(needs_recent_sign_in(true)),
    };
    let (services, app_id) = (ctx.services, ctx.app.id);
    let credential = Credential::User(ctx.caller.user.id);
    let (attempt, user) =
        SignInAttempt::reserve::<User>(services, app_id, credential, Error::user_gone).await?;
    if let Some(pwd) = pwd {
        let Some(hash) = services.store.password_hash(&user).await? else {
            return Err(needs_recent_sign_in(false));
        };
        if !password::verify_blocking(pwd, Some(hash)).await? {
            return Err(Error::unauthenticated(
                "The password is incorrect; two-factor sign-in is unchanged.",
            ));
        }
    }
    Ok((attempt, user))
}

/// GET: a new pending secret, replacing any earlier unconfirmed one. The
/// app is read with the user: the authenticator entry carries its name.
pub async fn get(ctx: Ctx<'_, Bearer>, (): ()) -> Result<Enrolment, Error> {
    if !recent(&ctx) {
        return Err(needs_recent_sign_in(false));
    }
    let services = ctx.services;
    let app = ctx.app.load(&services.store).await?;
    let user = &ctx.caller.user;
    if user.two_factor.is_on() {
        return Err(already_on());
    }
    let secret = two_factor::new_secret();
    let sealed = services.totp_secrets()?.seal(user, &secret);
    match services
        .store
        .start_two_factor_enrolment(app.id, user.id, &sealed)
        .await?
    {
        EnrolmentStart::Started => two_factor::enrolment(secret, &app, user),
        EnrolmentStart::AlreadyOn => Err(already_on()),
        EnrolmentStart::UserGone => Err(Error::user_gone()),
    }
}

/// POST: turns two-factor sign-in on if `code` matches the pending secret.
/// The write that does it gives the attempt back.
pub async fn post(ctx: Ctx<'_, Bearer>, Json(body): Json<CodeRequest>) -> Result<bool, Error> {
    let code = code(&body)?;
    let (_attempt, user) = attempt(&ctx, body.pwd.clone()).await?;
    let services = ctx.services;
    if user.two_factor.is_on() {
        return Err(already_on());
    }
    let pending = user.two_factor.totp_pending.as_deref().ok_or_else(|| {
        Error::conflict("No enrolment is pending; GET TwoFactorAuth first to receive a secret.")
    })?;
    let secret = services.totp_secrets()?.open(&user, pending)?;
    let step = two_factor::matching_step(secret, code, clock::now())?.ok_or_else(|| {
        Error::invalid(
            "The code does not match the secret handed out; check the authenticator app's entry and clock, \
             and send the code it shows now.",
        )
    })?;
    if services
        .store
        .turn_on_two_factor(ctx.app.id, user.id, pending, step, ending_others(&ctx))
        .await?
    {
        Ok(true)
    } else {
        Err(Error::conflict(
            "The enrolment changed meanwhile (another GET or POST); GET TwoFactorAuth again.",
        ))
    }
}

/// DELETE: turns two-factor sign-in off, given a current, unused code. The
/// write that does it gives the attempt back.
pub async fn delete(ctx: Ctx<'_, Bearer>, Json(body): Json<CodeRequest>) -> Result<bool, Error> {
    let code = code(&body)?;
    let (_attempt, user) = attempt(&ctx, body.pwd.clone()).await?;
    let services = ctx.services;
    let sealed = user
        .two_factor
        .totp_secret
        .as_deref()
        .ok_or_else(|| Error::conflict("Two-factor sign-in is off already."))?;
    let secret = services.totp_secrets()?.open(&user, sealed)?;
    let refused = |what: &str| Error::forbidden(format!("{what}; two-factor sign-in stays on."));
    let step = two_factor::matching_step(secret, code, clock::now())?
        .ok_or_else(|| refused("The code is wrong or expired"))?;
    if services
        .store
        .turn_off_two_factor(ctx.app.id, user.id, sealed, step, ending_others(&ctx))
        .await?
    {
        Ok(true)
    } else {
        Err(refused(
            "This code was used already; wait for the authenticator app's next code",
        ))
    }
}
