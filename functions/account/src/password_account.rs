//! `SignUp` and `SignIn`: accounts with a user name and password.

use lambda_http::Request;
use oauthapp_shared::request::json_body;
use oauthapp_shared::routing::AppAddress;
use oauthapp_shared::store::{LockStatus, lock_status};
use oauthapp_shared::token::{GrantType, TokenModel};
use oauthapp_shared::{ApiError, Services, clock, password, validate};
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
    let store = &services.store;
    let (app, login) = store.app_and_login(app_id, &body.user_name).await?;
    let app = AppAddress::Id(app_id).known(app)?;
    let now = clock::now();
    if let Some(LockStatus::Locked { until }) = login.as_ref().map(|login| lock_status(&login.lockout, now)) {
        let minutes = (until - now + 59) / 60;
        return Err(ApiError::too_many_attempts(format!(
            "Too many failed sign-ins for this account; try again in {minutes} minute(s)."
        )));
    }
    let user_id = login.as_ref().and_then(|login| login.user_id);
    let hash = login.as_ref().and_then(|login| login.password_hash.clone());
    // With no such user the decoy hash is checked, so both failures take as long.
    let matches = password::verify_blocking(body.pwd, hash).await?;
    let user_id = match user_id {
        Some(user_id) if matches => user_id,
        _ => {
            store
                .record_sign_in_failure(app_id, &body.user_name, login, services.config.lockout, now)
                .await?;
            return Err(ApiError::unauthorized(BAD_CREDENTIALS));
        }
    };
    let user = store
        .user(app_id, user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized(BAD_CREDENTIALS))?;
    if login.is_some_and(|login| !login.lockout.failures.is_empty() || login.lockout.locked_until.is_some()) {
        store.clear_sign_in_failures(app_id, &body.user_name).await?;
    }
    services.tokens.issue(&app, &user, GrantType::Account)
}
