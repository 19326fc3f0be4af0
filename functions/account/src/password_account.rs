//! `SignUp` and `SignIn`: accounts with a user name and password.

use lambda_http::Request;
use oauthapp_shared::request::json_body;
use oauthapp_shared::routing::AppAddress;
use oauthapp_shared::sign_in::{SignInAttempt, two_factor_code};
use oauthapp_shared::store::Credential;
use oauthapp_shared::token::{GrantType, TokenModel};
use oauthapp_shared::{ApiError, Services, password, validate};
use serde::Deserialize;

use oauthapp_shared::registration::{ProfileFields, register};

/// One answer for unknown user and wrong password, so neither is revealed.
const BAD_CREDENTIALS: &str = "The user name or password is incorrect.";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignUpRequest {
    user_name: String,
    pwd: String,
    platform: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInRequest {
    user_name: String,
    pwd: String,
    /// Required once the user turned two-factor sign-in on.
    two_factor_code: Option<String>,
}

pub async fn sign_up(services: &Services, app_id: u64, req: &Request) -> Result<TokenModel, ApiError> {
    let body: SignUpRequest = json_body(req)?;
    validate::user_name(&body.user_name)?;
    validate::password(&body.pwd)?;
    let profile: ProfileFields = json_body(req)?;
    let mut new_user = profile.into_new_user(body.platform)?;
    let app = AppAddress::Id(app_id).load(&services.store).await?;
    new_user.password_hash = Some(password::hash_blocking(body.pwd).await?);
    new_user.user_name = Some(body.user_name);
    register(services, &app, new_user, GrantType::Account).await
}

pub async fn sign_in(services: &Services, app_id: u64, req: &Request) -> Result<TokenModel, ApiError> {
    let body: SignInRequest = json_body(req)?;
    validate::user_name(&body.user_name)?;
    if body.pwd.is_empty() {
        return Err(ApiError::bad_request("`pwd` must not be empty."));
    }
    let code = two_factor_code(body.two_factor_code)?;
    let store = &services.store;
    let (app, login) = store.app_and_login(app_id, &body.user_name).await?;
    let app = AppAddress::Id(app_id).known(app)?;
    let (user_id, hash, lockout) = match login {
        Some(login) => (login.user_id, login.password_hash, Some(login.lockout)),
        None => (None, None, None),
    };
    let credential = Credential::UserName(&body.user_name);
    let attempt = SignInAttempt::start(services, app_id, credential, lockout, user_id.is_some())?;
    // With no such user the decoy hash is checked, so both failures take as long.
    let matches = password::verify_blocking(body.pwd, hash).await?;
    let user_id = match user_id {
        Some(user_id) if matches => user_id,
        _ => return attempt.fail(ApiError::unauthorized(BAD_CREDENTIALS)).await,
    };
    let user = store
        .user(app_id, user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized(BAD_CREDENTIALS))?;
    attempt.second_factor(&user, code.as_deref()).await?;
    attempt.succeed().await?;
    services.tokens.issue(&app, &user, GrantType::Account)
}
