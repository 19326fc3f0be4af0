//! `GET Profile` and `PUT Profile`: the signed-in user's own record.

use lambda_http::Request;
use oauthapp_shared::request::json_body;
use oauthapp_shared::store::{ProfileChanges, User};
use oauthapp_shared::{ApiError, Services, clock, validate};
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
struct ProfileUpdate {
    avatar: Option<String>,
    data: Option<String>,
    nick_name: Option<String>,
}

pub async fn get(services: &Services, app_id: u64, req: &Request) -> Result<ProfileView, ApiError> {
    let user = services.signed_in_user(req, app_id).await?;
    Ok(ProfileView::new(user, services.config.display_offset))
}

/// Changes only the fields the body names.
pub async fn put(services: &Services, app_id: u64, req: &Request) -> Result<bool, ApiError> {
    let subject = services.tokens.authenticate(req, app_id)?;
    let body: ProfileUpdate = json_body(req)?;
    if let Some(avatar) = &body.avatar {
        validate::text("avatar", avatar, validate::AVATAR_MAX)?;
    }
    if let Some(data) = &body.data {
        validate::text("data", data, validate::DATA_MAX)?;
    }
    if let Some(nick_name) = &body.nick_name {
        validate::text("nickName", nick_name, validate::NICK_NAME_MAX)?;
    }
    let changes = ProfileChanges {
        avatar: body.avatar,
        data: body.data,
        nick_name: body.nick_name,
    };
    let found = services
        .store
        .update_profile(app_id, subject.user_id, changes, clock::now())
        .await?;
    if found {
        Ok(true)
    } else {
        Err(ApiError::user_gone())
    }
}
