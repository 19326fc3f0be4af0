//! `ResetPwd` (signed in, with the current password) and `ForgotPwd` (with
//! a `forgetpwd` code sent to a verified address): a new password, which
//! ends the user's other sessions, or all of them after a reset by code.

use oauthapp_shared::auth::password;
use oauthapp_shared::domain::lockout::Credential;
use oauthapp_shared::domain::verification::{Code, CodeRefusal, Purpose, Recipient};
use oauthapp_shared::domain::{Error, User, clock};
use oauthapp_shared::flows::sign_in::SignInAttempt;
use oauthapp_shared::flows::verification;
use oauthapp_shared::http::{Anyone, Bearer, Ctx, Json};
use oauthapp_shared::store::EndingOthers;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ResetPwdRequest {
    pwd: String,
    oldpwd: String,
}

#[derive(Deserialize)]
pub struct ForgotPwdRequest {
    email: Option<String>,
    phone: Option<String>,
    code: String,
    pwd: String,
}

fn not_empty(field: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Err(Error::invalid(format!("`{field}` must not be empty.")));
    }
    Ok(())
}

/// What the password policy compares a password with: the user name, or
/// the address an account without one is known by.
fn known_as(user: &User) -> &str {
    user.user_name
        .as_deref()
        .or((!user.email.is_empty()).then_some(user.email.as_str()))
        .unwrap_or(&user.phone)
}

/// Changes the caller's password given the current one. Wrong current
/// passwords count on the user's own lockout, each attempt reserved before
/// the password is checked, so a stolen token cannot guess it freely.
pub async fn reset_pwd(ctx: Ctx<'_, Bearer>, Json(body): Json<ResetPwdRequest>) -> Result<bool, Error> {
    not_empty("oldpwd", &body.oldpwd)?;
    not_empty("pwd", &body.pwd)?;
    let (services, store) = (ctx.services, &ctx.services.store);
    if !ctx.caller.user.has_password {
        return Err(Error::invalid(
            "This account has no password to change: it signs in by union id.",
        ));
    }
    let app = ctx.app.load(store).await?;
    app.password_policy.check(&body.pwd, known_as(&ctx.caller.user))?;
    let credential = Credential::User(ctx.caller.user.id);
    let (_attempt, user) =
        SignInAttempt::reserve::<User>(services, app.id, credential, Error::user_gone).await?;
    let current = store.password_hash(&user).await?;
    if !password::verify_blocking(body.oldpwd, current).await? {
        return Err(Error::unauthenticated(
            "`oldpwd` is not the current password; the password is unchanged.",
        ));
    }
    let hash = password::hash_blocking(body.pwd).await?;
    let ending = EndingOthers {
        keep: ctx.caller.subject.session_id.as_deref(),
        now: clock::now(),
    };
    if store.set_password(&user, &hash, ending, None).await? {
        Ok(true)
    } else {
        Err(Error::conflict(
            "The account changed while its password was being changed; send the change again.",
        ))
    }
}

/// Sets a new password for the user whose verified address received the
/// `forgetpwd` code, and ends all their sessions. An address no user has
/// is refused as a wrong code is: no such code was ever sent.
pub async fn forgot_pwd(ctx: Ctx<'_, Anyone>, Json(body): Json<ForgotPwdRequest>) -> Result<bool, Error> {
    const FIELD: &str = "code";
    let email = body.email.filter(|email| !email.is_empty());
    let phone = body.phone.filter(|phone| !phone.is_empty());
    let recipient = match (email, phone) {
        (Some(email), None) => Recipient::email(&email)?,
        (None, Some(phone)) => Recipient::phone(&phone)?,
        _ => {
            return Err(Error::invalid(
                "Send either `email` or `phone`: the address the forgetpwd code was sent to.",
            ));
        }
    };
    let code = Code::given(FIELD, &body.code)?;
    not_empty("pwd", &body.pwd)?;
    let (services, store) = (ctx.services, &ctx.services.store);
    let app = ctx.app.load(store).await?;
    app.password_policy.check(&body.pwd, recipient.address())?;
    let checked =
        verification::check_code(services, app.id, Purpose::ForgetPwd, &recipient, &code, FIELD).await?;
    let refused = || CodeRefusal::NoCode.into_error(FIELD);
    let owner = store
        .address_owner(app.id, &recipient)
        .await?
        .ok_or_else(refused)?;
    let user = store.user(app.id, owner).await?.ok_or_else(refused)?;
    app.password_policy.check(&body.pwd, known_as(&user))?;
    let hash = password::hash_blocking(body.pwd).await?;
    let ending = EndingOthers {
        keep: None,
        now: clock::now(),
    };
    if store.set_password(&user, &hash, ending, Some(&checked)).await? {
        Ok(true)
    } else {
        Err(verification::used_meanwhile(FIELD))
    }
}
