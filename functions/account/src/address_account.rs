//! v1 `EmailSignUp`, `PhoneSignUp`, `EmailSignIn` and `PhoneSignIn`:
//! accounts known by a verified email address or phone number, proven by
//! the code sent to it (SendEmailCode, SendSMSCode).

use oauthapp_shared::auth::password;
use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::lockout::Credential;
use oauthapp_shared::domain::session::SignInMethod;
use oauthapp_shared::domain::verification::{Channel, Code, CodeRefusal, Purpose, Recipient};
use oauthapp_shared::domain::{Error, Login};
use oauthapp_shared::flows::registration::ProfileFields;
use oauthapp_shared::flows::session::{self, SignIn};
use oauthapp_shared::flows::sign_in::{SignInAttempt, signed_in, two_factor_code};
use oauthapp_shared::flows::verification;
use oauthapp_shared::http::{Anyone, Ctx, Json};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct EmailSignUpRequest {
    email: String,
    pwd: String,
}

#[derive(Deserialize)]
pub struct PhoneSignUpRequest {
    phone: String,
    pwd: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailSignInRequest {
    email: String,
    verify_code: String,
    two_factor_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneSignInRequest {
    phone: String,
    verify_code: String,
    two_factor_code: Option<String>,
}

/// `EmailSignUp`: the address (with its `emailCode`, always required) and
/// a password, and the profile fields of every sign-up.
pub async fn email_sign_up(
    ctx: Ctx<'_, Anyone>,
    (Json(body), Json(profile)): (Json<EmailSignUpRequest>, Json<ProfileFields>),
) -> Result<TokenModel, Error> {
    address_sign_up(ctx, profile, (body.email, body.pwd), Channel::Email).await
}

/// `PhoneSignUp`: as `EmailSignUp`, with `phone` and its `phoneCode`.
pub async fn phone_sign_up(
    ctx: Ctx<'_, Anyone>,
    (Json(body), Json(profile)): (Json<PhoneSignUpRequest>, Json<ProfileFields>),
) -> Result<TokenModel, Error> {
    address_sign_up(ctx, profile, (body.phone, body.pwd), Channel::Sms).await
}

/// A sign-up whose address is its identity: the address must be proven,
/// whatever the app's setting, and becomes the user's alone.
async fn address_sign_up(
    ctx: Ctx<'_, Anyone>,
    profile: ProfileFields,
    (address, pwd): (String, String),
    channel: Channel,
) -> Result<TokenModel, Error> {
    let (code, code_field) = match channel {
        Channel::Email => (&profile.email_code, "emailCode"),
        Channel::Sms => (&profile.phone_code, "phoneCode"),
    };
    if code.as_deref().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!(
            "`{code_field}` is required: the signup code sent to the address."
        )));
    }
    if pwd.is_empty() {
        return Err(Error::invalid("`pwd` must not be empty."));
    }
    let services = ctx.services;
    let (mut new_user, codes) = profile.into_new_user(None)?;
    let app = ctx.app.load(&services.store).await?;
    app.password_policy.check(&pwd, &address)?;
    codes.verify(services, &app, &mut new_user).await?;
    new_user.password_hash = Some(password::hash_blocking(pwd).await?);
    session::sign_up(
        services,
        &app,
        new_user,
        SignInMethod::by_code(channel),
        &ctx.client,
    )
    .await
}

pub async fn email_sign_in(
    ctx: Ctx<'_, Anyone>,
    Json(body): Json<EmailSignInRequest>,
) -> Result<TokenModel, Error> {
    let recipient = Recipient::email(&body.email)?;
    address_sign_in(ctx, recipient, &body.verify_code, body.two_factor_code).await
}

pub async fn phone_sign_in(
    ctx: Ctx<'_, Anyone>,
    Json(body): Json<PhoneSignInRequest>,
) -> Result<TokenModel, Error> {
    let recipient = Recipient::phone(&body.phone)?;
    address_sign_in(ctx, recipient, &body.verify_code, body.two_factor_code).await
}

/// Signs in the user whose verified address `recipient` is, with the
/// `signin` code sent to it: a try of the code and an attempt of the
/// address's lockout each. An address no user has is refused as a wrong
/// code is, so the answer tells nobody whether it is registered.
async fn address_sign_in(
    ctx: Ctx<'_, Anyone>,
    recipient: Recipient,
    verify_code: &str,
    two_factor: Option<String>,
) -> Result<TokenModel, Error> {
    const FIELD: &str = "verifyCode";
    let (services, app_id) = (ctx.services, ctx.app.id);
    let code = Code::given(FIELD, verify_code)?;
    let two_factor = two_factor_code(two_factor)?;
    let store = &services.store;
    let refused = || CodeRefusal::NoCode.into_error(FIELD);
    let credential = Credential::Address(&recipient);
    let (app, reserved) = tokio::join!(
        ctx.app.load(store),
        SignInAttempt::reserve::<Login>(services, app_id, credential, refused)
    );
    let app = app?;
    let (attempt, login) = reserved?;
    let checked_code =
        verification::check_code(services, app_id, Purpose::SignIn, &recipient, &code, FIELD).await?;
    let user = match login.user_id {
        Some(user_id) => store.user(app_id, user_id).await?,
        None => None,
    }
    .ok_or_else(refused)?;
    let checked = attempt.check(&user, two_factor.as_deref())?;
    let method = SignInMethod::by_code(recipient.channel());
    // Before the code is spent: a refused sign-in leaves it for a retry.
    user.switches.permit(method)?;
    if !store.use_code(&checked_code).await? {
        return Err(verification::used_meanwhile(FIELD));
    }
    let sign_in = SignIn {
        app: &app,
        user: &user,
        method,
        client: &ctx.client,
        binding: None,
    };
    signed_in(services, sign_in, checked).await
}
