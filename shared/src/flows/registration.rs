//! What every sign-up shares: the optional profile fields, validated one
//! way, and the answer when the user cannot be created (creating them
//! signed in is `session::sign_up`).

use serde::Deserialize;

use crate::Services;
use crate::domain::verification::{Code, Purpose, Recipient, Verify};
use crate::domain::{App, Error, validate};
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
    /// The `signup` codes sent to `email` and `phone` (SendEmailCode,
    /// SendSMSCode), proving them.
    pub email_code: Option<String>,
    pub phone_code: Option<String>,
}

/// The codes a sign-up brings for the addresses it sets.
#[derive(Debug, Default)]
pub struct AddressCodes {
    email: Option<String>,
    phone: Option<String>,
}

impl AddressCodes {
    /// Checks the code of each address `new_user` sets, unless the app's
    /// backend vouched for it already: a right code marks the address
    /// verified (and guarded) and is spent with the sign-up; a missing one
    /// is a 400 where the app requires it.
    pub async fn verify(self, services: &Services, app: &App, new_user: &mut NewUser) -> Result<(), Error> {
        let settings = &app.verification;
        let channels = [
            (
                "email",
                "emailCode",
                new_user.email.clone(),
                self.email,
                settings.verify_email,
                new_user.email_is_valid,
            ),
            (
                "phone",
                "phoneCode",
                new_user.phone.clone(),
                self.phone,
                settings.verify_phone,
                new_user.phone_is_valid,
            ),
        ];
        for (field, code_field, address, code, verify, vouched) in channels {
            let code = code.filter(|code| !code.is_empty());
            if address.is_empty() || vouched {
                continue;
            }
            let Some(code) = code else {
                if verify == Verify::Required {
                    return Err(Error::invalid(format!(
                        "`{code_field}` is required: this app verifies the {field} of a sign-up; send one with \
                         {}.",
                        if field == "email" {
                            "SendEmailCode"
                        } else {
                            "SendSMSCode"
                        }
                    )));
                }
                continue;
            };
            let recipient = if field == "email" {
                Recipient::email(&address)?
            } else {
                Recipient::phone(&address)?
            };
            let code = Code::given(code_field, &code)?;
            let checked =
                verification::check_code(services, app.id, Purpose::SignUp, &recipient, &code, code_field)
                    .await?;
            new_user.codes.push(checked);
            if field == "email" {
                new_user.email_is_valid = true;
            } else {
                new_user.phone_is_valid = true;
            }
        }
        Ok(())
    }
}

impl ProfileFields {
    /// Checks every field and starts the user to create from them; the
    /// codes of its addresses are checked by `AddressCodes::verify`, once
    /// the app is known.
    pub fn into_new_user(self, platform: Option<String>) -> Result<(NewUser, AddressCodes), Error> {
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
        for (field, code) in [("emailCode", &self.email_code), ("phoneCode", &self.phone_code)] {
            if let Some(code) = code.as_deref().filter(|code| !code.is_empty()) {
                Code::given(field, code)?;
            }
        }
        let codes = AddressCodes {
            email: self.email_code,
            phone: self.phone_code,
        };
        let new_user = NewUser {
            platform,
            nick_name,
            email,
            phone,
            avatar,
            data: self.data,
            ..NewUser::default()
        };
        Ok((new_user, codes))
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
