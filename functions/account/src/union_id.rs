//! `UnionIDSignUp` and `UnionIDSignIn`: users known by a (platform, unionID)
//! pair, proven as the app's `unionIdProof` setting demands.

use lambda_http::Request;
use oauthapp_shared::proof::{UnionIdClaim, prove_union_id};
use oauthapp_shared::request::json_body;
use oauthapp_shared::routing::AppAddress;
use oauthapp_shared::sign_in::union_id_sign_in;
use oauthapp_shared::signature::Signed;
use oauthapp_shared::token::{GrantType, TokenModel};
use oauthapp_shared::{ApiError, Services, password, validate};
use serde::Deserialize;

use oauthapp_shared::registration::{ProfileFields, register};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignUpRequest {
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

pub async fn sign_up(services: &Services, app_id: u64, req: &Request) -> Result<TokenModel, ApiError> {
    let body: SignUpRequest = json_body(req)?;
    validate::platform(&body.platform)?;
    let claim = UnionIdClaim::new(body.union_id.as_deref(), body.code.as_deref())?;
    let user_name = body.user_name.filter(|name| !name.is_empty());
    let pwd = body.pwd.filter(|pwd| !pwd.is_empty());
    match (&user_name, &pwd) {
        (Some(user_name), Some(pwd)) => {
            validate::user_name(user_name)?;
            validate::password(pwd)?;
        }
        (None, None) => {}
        (Some(_), None) => return Err(ApiError::bad_request("`pwd` is required with a `userName`.")),
        (None, Some(_)) => return Err(ApiError::bad_request("`pwd` needs a `userName` to sign in with.")),
    }
    let profile: ProfileFields = json_body(req)?;
    let mut new_user = profile.into_new_user(Some(body.platform))?;
    let app = AppAddress::Id(app_id).load(&services.store).await?;
    let proven = prove_union_id(services, &app, req, claim).await?;
    let signed = proven.signed == Signed::Yes;
    // Only the app's backend may vouch that an address was verified.
    new_user.email_is_valid = signed && body.email_is_valid;
    new_user.phone_is_valid = signed && body.phone_is_valid;
    new_user.union_id = Some(proven.union_id);
    new_user.wechat_open_id = proven.wechat_open_id;
    new_user.user_name = user_name;
    if let Some(pwd) = pwd {
        new_user.password_hash = Some(password::hash_blocking(pwd).await?);
    }
    register(services, &app, new_user, GrantType::UnionId).await
}

pub async fn sign_in(services: &Services, app_id: u64, req: &Request) -> Result<TokenModel, ApiError> {
    let not_bound = "No user is registered with this platform and unionID; sign up with UnionIDSignUp.";
    union_id_sign_in(services, &AppAddress::Id(app_id), req, not_bound).await
}
