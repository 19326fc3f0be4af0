//! Binding, listing, changing and removing the caller's external accounts.
//! Every endpoint acts on the Bearer token's user only: another user's
//! binding is as absent as one that never existed.

use oauthapp_shared::Services;
use oauthapp_shared::domain::{Binding, Error, User, clock, validate};
use oauthapp_shared::flows::proof::UnionIdClaim;
use oauthapp_shared::flows::sign_in::remember_open_id;
use oauthapp_shared::http::error::ApiError;
use oauthapp_shared::http::input::Input;
use oauthapp_shared::http::route::Incoming;
use oauthapp_shared::http::{Bearer, BearerAndUnionIdProof, Ctx, Json};
use oauthapp_shared::store::{BindError, BindingChange, BindingChangeError, NewBinding};
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
pub struct BindRequest {
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
pub struct UpdateRequest {
    avatar: Option<String>,
    data: Option<String>,
    enable: Option<bool>,
}

fn no_such_binding(id: impl std::fmt::Display) -> Error {
    Error::not_found(format!("You have no external account with id {id}."))
}

/// The `{id}` of a binding path.
pub struct BindingId(u64);

impl Input for BindingId {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError> {
        let raw = incoming.param("id").unwrap_or_default();
        validate::canonical_id(raw)
            .map(BindingId)
            .ok_or_else(|| no_such_binding(raw).into())
    }
}

fn check_profile_fields(avatar: Option<&str>, data: Option<&str>) -> Result<(), Error> {
    if let Some(avatar) = avatar {
        validate::text("avatar", avatar, validate::BINDING_AVATAR_MAX)?;
    }
    if let Some(data) = data {
        validate::data(data)?;
    }
    Ok(())
}

/// `POST /ExternalAccount/{appKey}`: binds (platform, unionID), proven as
/// for union-id sign-up, to the caller. Binding it again is a success that
/// changes nothing.
pub async fn post(ctx: Ctx<'_, BearerAndUnionIdProof>, Json(body): Json<BindRequest>) -> Result<bool, Error> {
    let (services, (signed_in, prover)) = (ctx.services, &ctx.caller);
    let store = &services.store;
    let app_id = ctx.app.id;
    let claim = UnionIdClaim::new(body.union_id.as_deref(), body.code.as_deref())?;
    validate::platform(&body.platform)?;
    let platform_name = body
        .platform_name
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| body.platform.clone());
    validate::text("platformName", &platform_name, validate::PLATFORM_NAME_MAX)?;
    check_profile_fields(body.avatar.as_deref(), body.data.as_deref())?;
    let app = ctx.app.load(store).await?;
    let user = &signed_in.user;
    let proven = prover.prove(&app, claim).await?;
    let new = NewBinding {
        platform: body.platform,
        union_id: proven.union_id.clone(),
        platform_name,
        avatar: body.avatar.unwrap_or_default(),
        data: body.data.unwrap_or_default(),
    };
    match store.bind(app_id, user, new, clock::now()).await {
        Ok(_) => {
            remember_open_id(services, user, &proven).await?;
            Ok(true)
        }
        Err(BindError::Taken) => Err(Error::conflict(
            "This platform and unionID are bound to another user of this app.",
        )),
        Err(BindError::UserGone) => Err(Error::user_gone()),
        Err(BindError::Store(err)) => Err(err.into()),
    }
}

/// `GET /ExternalAccount/{appKey}`: the caller's bindings, oldest first.
pub async fn get(ctx: Ctx<'_, Bearer>, (): ()) -> Result<Vec<UserLogin>, Error> {
    let (services, user) = (ctx.services, &ctx.caller.user);
    let offset = services.config.display_offset;
    Ok(services
        .store
        .bindings(user.app_id, user.id)
        .await?
        .into_iter()
        .map(|binding| UserLogin::new(binding, offset))
        .collect())
}

/// `PUT /ExternalAccount/{appKey}/{id}`: changes only the fields the body names.
pub async fn put(
    ctx: Ctx<'_, Bearer>,
    (BindingId(id), Json(body)): (BindingId, Json<UpdateRequest>),
) -> Result<bool, Error> {
    check_profile_fields(body.avatar.as_deref(), body.data.as_deref())?;
    if body.avatar.is_none() && body.data.is_none() && body.enable.is_none() {
        return Err(Error::invalid(
            "Name at least one of `avatar`, `data` and `enable` to change.",
        ));
    }
    let change = BindingChange::Update {
        avatar: body.avatar,
        data: body.data,
        enable: body.enable,
    };
    apply(ctx.services, &ctx.caller.user, id, change).await
}

/// `DELETE /ExternalAccount/{appKey}/{id}`: removes the binding; its
/// (platform, unionID) is free to bind again.
pub async fn delete(ctx: Ctx<'_, Bearer>, BindingId(id): BindingId) -> Result<bool, Error> {
    apply(ctx.services, &ctx.caller.user, id, BindingChange::Remove).await
}

/// Applies `change`; disabling or removing the binding ends, in the same
/// write, the sessions that signed in with it.
async fn apply(services: &Services, user: &User, id: u64, change: BindingChange) -> Result<bool, Error> {
    match services
        .store
        .change_binding(user.app_id, user.id, id, change, clock::now())
        .await
    {
        Ok(()) => Ok(true),
        Err(BindingChangeError::NotFound) => Err(no_such_binding(id)),
        Err(BindingChangeError::LastSignIn) => Err(Error::conflict(
            "This is the account's last way to sign in (it has no password and no other enabled external \
             account); bind and enable another external account first.",
        )),
        Err(BindingChangeError::Store(err)) => Err(err.into()),
    }
}
