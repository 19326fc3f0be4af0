//! Binding, listing, changing and removing the caller's external accounts.
//! Every endpoint acts on the Bearer token's user only: another user's
//! binding is as absent as one that never existed.

use lambda_http::Request;
use oauthapp_shared::proof::{UnionIdClaim, prove_union_id};
use oauthapp_shared::request::json_body;
use oauthapp_shared::routing::AppAddress;
use oauthapp_shared::sign_in::remember_open_id;
use oauthapp_shared::store::{BindError, Binding, BindingChange, BindingChangeError, NewBinding};
use oauthapp_shared::token::Subject;
use oauthapp_shared::{ApiError, Services, clock, validate};
use serde::{Deserialize, Serialize};
use time::UtcOffset;

/// A binding as the seed's `UserLogins` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserLogin {
    id: u64,
    #[serde(rename = "userID")]
    user_id: u64,
    platform_name: String,
    platform: String,
    #[serde(rename = "unionID")]
    union_id: String,
    avatar: String,
    data: String,
    enable: bool,
    create_date: String,
    last_update: String,
}

impl UserLogin {
    fn new(binding: Binding, offset: UtcOffset) -> Self {
        Self {
            id: binding.id,
            user_id: binding.user_id,
            platform_name: binding.platform_name,
            platform: binding.platform,
            union_id: binding.union_id,
            avatar: binding.avatar,
            data: binding.data,
            enable: binding.enable,
            create_date: clock::display(binding.created_at, offset),
            last_update: clock::display(binding.updated_at, offset),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindRequest {
    #[serde(rename = "unionID")]
    union_id: Option<String>,
    /// A `wx.login` code, for apps that prove union ids with one.
    code: Option<String>,
    platform: String,
    platform_name: Option<String>,
    avatar: Option<String>,
    data: Option<String>,
}

#[derive(Deserialize)]
struct UpdateRequest {
    avatar: Option<String>,
    data: Option<String>,
    enable: Option<bool>,
}

pub fn no_such_binding(id: impl std::fmt::Display) -> ApiError {
    ApiError::not_found(format!("You have no external account with id {id}."))
}

/// Who the Bearer token speaks for, in the app of the path.
async fn caller(services: &Services, address: &AppAddress, req: &Request) -> Result<Subject, ApiError> {
    let app_id = address.app_id(&services.store).await?;
    services.tokens.authenticate(req, app_id)
}

fn check_profile_fields(avatar: Option<&str>, data: Option<&str>) -> Result<(), ApiError> {
    if let Some(avatar) = avatar {
        validate::text("avatar", avatar, validate::AVATAR_MAX)?;
    }
    if let Some(data) = data {
        validate::text("data", data, validate::DATA_MAX)?;
    }
    Ok(())
}

/// `POST /ExternalAccount/{appKey}`: binds (platform, unionID), proven as
/// for union-id sign-up, to the caller. Binding it again is a success that
/// changes nothing.
pub async fn bind(services: &Services, address: &AppAddress, req: &Request) -> Result<bool, ApiError> {
    let store = &services.store;
    let subject = caller(services, address, req).await?;
    let app_id = subject.app_id;
    let body: BindRequest = json_body(req)?;
    let claim = UnionIdClaim::new(body.union_id.as_deref(), body.code.as_deref())?;
    validate::platform(&body.platform)?;
    let platform_name = body
        .platform_name
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| body.platform.clone());
    validate::text("platformName", &platform_name, validate::PLATFORM_NAME_MAX)?;
    check_profile_fields(body.avatar.as_deref(), body.data.as_deref())?;
    let (app, user) = store.app_and_user(app_id, subject.user_id).await?;
    let app = address.known(app)?;
    let user = user.ok_or_else(ApiError::user_gone)?;
    let proven = prove_union_id(services, &app, req, claim).await?;
    let new = NewBinding {
        platform: body.platform,
        union_id: proven.union_id.clone(),
        platform_name,
        avatar: body.avatar.unwrap_or_default(),
        data: body.data.unwrap_or_default(),
    };
    match store.bind(app_id, &user, new, clock::now()).await {
        Ok(_) => {
            remember_open_id(services, &user, &proven).await?;
            Ok(true)
        }
        Err(BindError::Taken) => Err(ApiError::conflict(
            "This platform and unionID are bound to another user of this app.",
        )),
        Err(BindError::UserGone) => Err(ApiError::user_gone()),
        Err(BindError::Store(err)) => Err(err.into()),
    }
}

/// `GET /ExternalAccount/{appKey}`: the caller's bindings, oldest first.
pub async fn list(
    services: &Services,
    address: &AppAddress,
    req: &Request,
) -> Result<Vec<UserLogin>, ApiError> {
    let subject = caller(services, address, req).await?;
    let offset = services.config.display_offset;
    Ok(services
        .store
        .bindings(subject.app_id, subject.user_id)
        .await?
        .into_iter()
        .map(|binding| UserLogin::new(binding, offset))
        .collect())
}

/// `PUT /ExternalAccount/{appKey}/{id}`: changes only the fields the body names.
pub async fn update(
    services: &Services,
    address: &AppAddress,
    id: u64,
    req: &Request,
) -> Result<bool, ApiError> {
    let subject = caller(services, address, req).await?;
    let body: UpdateRequest = json_body(req)?;
    check_profile_fields(body.avatar.as_deref(), body.data.as_deref())?;
    if body.avatar.is_none() && body.data.is_none() && body.enable.is_none() {
        return Err(ApiError::bad_request(
            "Name at least one of `avatar`, `data` and `enable` to change.",
        ));
    }
    let change = BindingChange::Update {
        avatar: body.avatar,
        data: body.data,
        enable: body.enable,
    };
    apply(services, subject, id, change).await
}

/// `DELETE /ExternalAccount/{appKey}/{id}`: removes the binding; its
/// (platform, unionID) is free to bind again.
pub async fn remove(
    services: &Services,
    address: &AppAddress,
    id: u64,
    req: &Request,
) -> Result<bool, ApiError> {
    let subject = caller(services, address, req).await?;
    apply(services, subject, id, BindingChange::Remove).await
}

async fn apply(
    services: &Services,
    subject: Subject,
    id: u64,
    change: BindingChange,
) -> Result<bool, ApiError> {
    match services
        .store
        .change_binding(subject.app_id, subject.user_id, id, change, clock::now())
        .await
    {
        Ok(()) => Ok(true),
        Err(BindingChangeError::NotFound) => Err(no_such_binding(id)),
        Err(BindingChangeError::LastSignIn) => Err(ApiError::conflict(
            "This is the account's last way to sign in (it has no password and no other enabled external \
             account); bind and enable another external account first.",
        )),
        Err(BindingChangeError::Store(err)) => Err(err.into()),
    }
}
