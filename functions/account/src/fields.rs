//! Profile fields that sign-up requests share, validated one way.

use oauthapp_shared::validate;
use oauthapp_shared::{ApiError, store::NewUser};

/// Platform of a user who names none, as the seed's web samples use.
const DEFAULT_PLATFORM: &str = "web";

/// The optional profile fields of a sign-up body; absent and null are empty.
#[derive(Debug, Default)]
pub struct ProfileFields {
    pub nick_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub avatar: Option<String>,
    pub data: Option<String>,
}

impl ProfileFields {
    /// Checks every field and starts the user to create from them.
    pub fn into_new_user(self, platform: Option<String>) -> Result<NewUser, ApiError> {
        let platform = platform
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_PLATFORM.to_owned());
        validate::platform(&platform)?;
        let nick_name = self.nick_name.unwrap_or_default();
        let email = self.email.unwrap_or_default();
        let phone = self.phone.unwrap_or_default();
        let avatar = self.avatar.unwrap_or_default();
        validate::text("nickName", &nick_name, validate::NICK_NAME_MAX)?;
        validate::email(&email)?;
        validate::phone(&phone)?;
        validate::text("avatar", &avatar, validate::AVATAR_MAX)?;
        if let Some(data) = &self.data {
            validate::text("data", data, validate::DATA_MAX)?;
        }
        Ok(NewUser {
            platform,
            nick_name,
            email,
            phone,
            avatar,
            data: self.data,
            ..NewUser::default()
        })
    }
}
