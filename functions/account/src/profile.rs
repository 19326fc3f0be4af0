//! `GET Profile` and `PUT Profile`: the signed-in user's own record.

use oauthapp_shared::domain::{Error, User, clock, validate};
use oauthapp_shared::http::{Bearer, Ctx, Json};
use oauthapp_shared::store::ProfileChanges;
use serde::{Deserialize, Serialize};
use time::UtcOffset;

/// The profile as the seed shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    #[serde(rename = "appID")]
    app_id: u64,
    platform: String,
    #[serde(rename = "unionID")]
    union_id: Option<String>,
    phone: String,
    create_date: String,
    user_name: Option<String>,
    phone_is_valid: bool,
    data: Option<String>,
    email: String,
    email_is_valid: bool,
    last_update: String,
    nick_name: String,
    id: u64,
    avatar: String,
    role: String,
}

impl ProfileView {
    fn new(user: User, offset: UtcOffset) -> Self {
        Self {
            app_id: user.app_id,
            platform: user.platform,
            union_id: user.union_id,
            phone: user.phone,
            create_date: clock::display(user.created_at, offset),
            user_name: user.user_name,
            phone_is_valid: user.phone_is_valid,
            data: user.data,
            email: user.email,
            email_is_valid: user.email_is_valid,
            last_update: clock::display(user.updated_at, offset),
            nick_name: user.nick_name,
            id: user.id,
            avatar: user.avatar,
            role: user.role,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpdate {
    avatar: Option<String>,
    data: Option<String>,
    nick_name: Option<String>,
}

pub async fn get(ctx: Ctx<'_, Bearer>, (): ()) -> Result<ProfileView, Error> {
    Ok(ProfileView::new(
        ctx.caller.user,
        ctx.services.config.display_offset,
    ))
}

/// Changes only the fields the body names.
pub async fn put(ctx: Ctx<'_, Bearer>, Json(body): Json<ProfileUpdate>) -> Result<bool, Error> {
    if let Some(avatar) = &body.avatar {
        validate::text("avatar", avatar, validate::AVATAR_MAX)?;
    }
    if let Some(data) = &body.data {
        validate::data(data)?;
    }
    if let Some(nick_name) = &body.nick_name {
        validate::text("nickName", nick_name, validate::NICK_NAME_MAX)?;
    }
    let changes = ProfileChanges {
        avatar: body.avatar,
        data: body.data,
        nick_name: body.nick_name,
    };
    let found = ctx
        .services
        .store
        .update_profile(ctx.app.id, ctx.caller.user.id, changes, clock::now())
        .await?;
    if found { Ok(true) } else { Err(Error::user_gone()) }
}
