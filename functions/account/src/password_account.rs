//! `SignUp` and `SignIn`: accounts with a user name and password.

use oauthapp_shared::auth::password;
use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::lockout::Credential;
use oauthapp_shared::domain::session::SignInMethod;
use oauthapp_shared::domain::{Error, Login, validate};
use oauthapp_shared::flows::registration::ProfileFields;
use oauthapp_shared::flows::session::{self, SignIn};
use oauthapp_shared::flows::sign_in::{SignInAttempt, signed_in, two_factor_code};
use oauthapp_shared::http::{Anyone, Ctx, Json};
use serde::Deserialize;

/// One answer for unknown user and wrong password, so neither is revealed.
const BAD_CREDENTIALS: &str = "The user name or password is incorrect.";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUpRequest {
    user_name: String,
    pwd: String,
    platform: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    user_name: String,
    pwd: String,
    /// Required once the user turned two-factor sign-in on.
    two_factor_code: Option<String>,
}

pub async fn sign_up(
    ctx: Ctx<'_, Anyone>,
    (Json(body), Json(profile)): (Json<SignUpRequest>, Json<ProfileFields>),
) -> Result<TokenModel, Error> {
    let services = ctx.services;
    validate::user_name(&body.user_name)?;
    let (mut new_user, codes) = profile.into_new_user(body.platform)?;
    let app = ctx.app.load(&services.store).await?;
    app.password_policy.check(&body.pwd, &body.user_name)?;
    codes.verify(services, &app, &mut new_user).await?;
    new_user.password_hash = Some(password::hash_blocking(body.pwd).await?);
    new_user.user_name = Some(body.user_name);
    session::sign_up(services, &app, new_user, SignInMethod::Password, &ctx.client).await
}

pub async fn sign_in(ctx: Ctx<'_, Anyone>, Json(body): Json<SignInRequest>) -> Result<TokenModel, Error> {
    let (services, app_id) = (ctx.services, ctx.app.id);
    validate::user_name(&body.user_name)?;
    if body.pwd.is_empty() {
        return Err(Error::invalid("`pwd` must not be empty."));
    }
    let code = two_factor_code(body.two_factor_code)?;
    let store = &services.store;
    let bad_credentials = || Error::unauthenticated(BAD_CREDENTIALS);
    // The attempt is reserved (and the credential read) while the app is
    // read, unless the rate limit read it already.
    let credential = Credential::UserName(&body.user_name);
    let (app, reserved) = tokio::join!(
        ctx.app.load(store),
        SignInAttempt::reserve::<Login>(services, app_id, credential, bad_credentials)
    );
    let app = app?;
    let (attempt, login) = reserved?;
    // While the hash is checked the user is read, or for a name nobody
    // registered the decoy hash checked and the attempts' expiry written:
    // both failures take as long, and a success waits for no further read.
    let user = async {
        match login.user_id {
            Some(user_id) => Ok(store.user(app_id, user_id).await?),
            None => attempt.expire_unregistered().await.map(|()| None),
        }
    };
    let (matches, user) = tokio::try_join!(password::verify_blocking(body.pwd, login.password_hash), user)?;
    let user = match user {
        Some(user) if matches => user,
        _ => return Err(bad_credentials()),
    };
    let checked = attempt.check(&user, code.as_deref())?;
    let sign_in = SignIn {
        app: &app,
        user: &user,
        method: SignInMethod::Password,
        client: &ctx.client,
        binding: None,
    };
    signed_in(services, sign_in, checked).await
}
