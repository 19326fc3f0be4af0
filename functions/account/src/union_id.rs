//! `UnionIDSignUp` and `UnionIDSignIn`: users known by a (platform, unionID)
//! pair, proven as the app's `unionIdProof` setting demands.

use oauthapp_shared::auth::password;
use oauthapp_shared::auth::signature::Signed;
use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::session::SignInMethod;
use oauthapp_shared::domain::{Error, validate};
use oauthapp_shared::flows::proof::UnionIdClaim;
use oauthapp_shared::flows::registration::ProfileFields;
use oauthapp_shared::flows::session;
use oauthapp_shared::flows::sign_in::{self, UnionIdSignInRequest};
use oauthapp_shared::http::{Ctx, Json, UnionIdProof};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUpRequest {
    platform: String,
    #[serde(rename = "unionID")]
    union_id: Option<String>,
    /// A `wx.login` code, for apps that prove union ids with one.
    code: Option<String>,
    user_name: Option<String>,
    pwd: Option<String>,
    #[serde(default)]
    email_is_valid: bool,
    #[serde(default)]
    phone_is_valid: bool,
}

pub async fn union_id_sign_up(
    ctx: Ctx<'_, UnionIdProof>,
    (Json(body), Json(profile)): (Json<SignUpRequest>, Json<ProfileFields>),
) -> Result<TokenModel, Error> {
    let services = ctx.services;
    validate::platform(&body.platform)?;
    let claim = UnionIdClaim::new(body.union_id.as_deref(), body.code.as_deref())?;
    let user_name = body.user_name.filter(|name| !name.is_empty());
    let pwd = body.pwd.filter(|pwd| !pwd.is_empty());
    match (&user_name, &pwd) {
        (Some(user_name), Some(_)) => validate::user_name(user_name)?,
        (None, None) => {}
        (Some(_), None) => return Err(Error::invalid("`pwd` is required with a `userName`.")),
        // The v1 client always sends one: without a name to sign in with,
        // it confirms the account's changes (ResetPwd, two-factor).
        (None, Some(_)) => {}
    }
    let (mut new_user, codes) = profile.into_new_user(Some(body.platform))?;
    let app = ctx.app.load(&services.store).await?;
    // Before the proof, which may spend a one-time WeChat code.
    if let Some(pwd) = &pwd {
        app.password_policy
            .check(pwd, user_name.as_deref().unwrap_or_default())?;
    }
    let proven = ctx.caller.prove(&app, claim).await?;
    let signed = proven.signed == Signed::Yes;
    // Only the app's backend may vouch that an address was verified.
    new_user.email_is_valid = signed && body.email_is_valid;
    new_user.phone_is_valid = signed && body.phone_is_valid;
    codes.verify(services, &app, &mut new_user).await?;
    new_user.union_id = Some(proven.union_id);
    new_user.wechat_open_id = proven.wechat_open_id;
    new_user.wechat_union_id = proven.wechat_union_id;
    new_user.user_name = user_name;
    if let Some(pwd) = pwd {
        new_user.password_hash = Some(password::hash_blocking(pwd).await?);
    }
    session::sign_up(services, &app, new_user, SignInMethod::UnionId, &ctx.client).await
}

pub async fn union_id_sign_in(
    ctx: Ctx<'_, UnionIdProof>,
    Json(body): Json<UnionIdSignInRequest>,
) -> Result<TokenModel, Error> {
    let not_bound = "No user is registered with this platform and unionID; sign up with UnionIDSignUp.";
    let how = (SignInMethod::UnionId, not_bound);
    sign_in::union_id_sign_in(ctx.services, ctx.app, &ctx.caller, body, how, &ctx.client).await
}
