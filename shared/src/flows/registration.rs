//! What every sign-up shares: the optional profile fields, validated one
//! way, and the answer when the user cannot be created (creating them
//! signed in is `session::sign_up`).

use serde::Deserialize;

use crate::domain::{Error, validate};
use crate::flows::verification;
use crate::store::{CreateUserError, NewUser};

/// Platform of a user who names none, as the seed's web samples use.
const DEFAULT_PLATFORM: &str = "web";

/// The optional profile fields of a sign-up body; absent and null are empty.
/// Read from the body on their own (not flattened into the request struct,
/// which would lose the field name from type errors).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileFields {
    pub nick_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub avatar: Option<String>,
    pub data: Option<String>,
}

impl ProfileFields {
    /// Checks every field and starts the user to create from them.
    pub fn into_new_user(self, platform: Option<String>) -> Result<NewUser, Error> {
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
            validate::data(data)?;
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

/// The 409 for a taken user name, union id or verified address.
pub fn creation_error(err: CreateUserError) -> Error {
    match err {
        CreateUserError::UserNameTaken => Error::conflict("This user name is taken; choose another."),
        CreateUserError::UnionIdTaken => Error::conflict(
            "A user with this platform and unionID exists already; sign in with UnionIDSignIn.",
        ),
        CreateUserError::EmailTaken => Error::conflict(
            "This email address belongs to another account; sign in with it, or recover that account's password.",
        ),
        CreateUserError::PhoneTaken => Error::conflict(
            "This phone number belongs to another account; sign in with it, or recover that account's password.",
        ),
        CreateUserError::CodeUsed => verification::used_meanwhile("code"),
        CreateUserError::Store(err) => err.into(),
    }
}
