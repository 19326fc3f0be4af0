//! What a user tells about themselves beyond a name and a picture, and
//! which ways of signing in they allow for their account.

use serde::{Deserialize, Serialize};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use super::session::SignInMethod;
use super::{Error, User, validate};

/// Declares the free-text profile fields once: the stored struct, their
/// wire names and the longest value each takes (the v1 client's limits).
macro_rules! details {
    ($($field:ident: $wire:literal <= $max:literal),* $(,)?) => {
        /// The v1 profile's free text; absent until the user writes it, and
        /// an empty value clears one.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct ProfileDetails {
            $(
                #[serde(rename = $wire, default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )*
        }

        impl ProfileDetails {
            /// Each field given, by attribute name.
            pub fn given(&self) -> Vec<(&'static str, &str)> {
                [$(($wire, self.$field.as_deref())),*]
                    .into_iter()
                    .filter_map(|(name, value)| Some((name, value?)))
                    .collect()
            }

            pub fn validate(&self) -> Result<(), Error> {
                $(
                    if let Some(value) = &self.$field {
                        validate::text($wire, value, $max)?;
                    }
                )*
                Ok(())
            }
        }
    };
}

details! {
    interest_tags: "interestTags" <= 500,
    biography: "biography" <= 500,
    gender: "gender" <= 15,
    occupation: "occupation" <= 50,
    education: "education" <= 50,
    contact: "contact" <= 255,
    languages: "languages" <= 50,
    social_links: "socialLinks" <= 255,
    relationship_status: "relationshipStatus" <= 20,
    company: "company" <= 100,
    industry: "industry" <= 50,
    company_position: "companyPosition" <= 50,
    private_settings: "privateSettings" <= 500,
}

/// A birthday: a calendar date, whatever time of day or zone the client's
/// date-time carries. Stored as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday(Date);

impl Birthday {
    /// Reads the date of `1990-05-01`, `1990-05-01T08:00:00`, with or
    /// without fractions and an offset, or `1990-05-01 08:00:00`.
    pub fn parse(raw: &str) -> Result<Self, Error> {
        let date_part = raw.get(..10).unwrap_or(raw);
        let rest = raw.get(10..).unwrap_or("");
        let date = Date::parse(date_part, format_description!("[year]-[month]-[day]")).ok();
        let time_ok = rest.is_empty()
            || OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339).is_ok()
            || PrimitiveDateTime::parse(
                &raw.replacen(' ', "T", 1),
                format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"),
            )
            .is_ok();
        match date {
            Some(date) if time_ok && date <= OffsetDateTime::now_utc().date() && date.year() >= 1900 => {
                Ok(Self(date))
            }
            _ => Err(Error::invalid(
                "`birthday` must be a date from 1900 until today, as YYYY-MM-DD or an ISO 8601 date-time.",
            )),
        }
    }

    /// As the store keeps it.
    pub fn stored(self) -> String {
        self.0
            .format(format_description!("[year]-[month]-[day]"))
            .unwrap_or_default()
    }

    /// As the API's other date-times read: midnight of the date.
    pub fn display(stored: &str) -> Option<String> {
        Self::parse(stored)
            .ok()
            .map(|birthday| format!("{} 00:00:00", birthday.stored()))
    }
}

/// The ways a user may sign in, each of which they can switch off. All are
/// on for a new user and for users stored before the switches existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInSwitches {
    #[serde(default = "on")]
    pub enable_user_name_sign_in: bool,
    #[serde(default = "on")]
    pub enable_email_sign_in: bool,
    #[serde(default = "on")]
    pub enable_phone_sign_in: bool,
    #[serde(default = "on", rename = "enableUnionIDSignIn")]
    pub enable_union_id_sign_in: bool,
    /// Signing another device in by confirming its QR code.
    #[serde(default = "on", rename = "enableOAuth")]
    pub enable_oauth: bool,
}

fn on() -> bool {
    true
}

impl Default for SignInSwitches {
    fn default() -> Self {
        Self {
            enable_user_name_sign_in: true,
            enable_email_sign_in: true,
            enable_phone_sign_in: true,
            enable_union_id_sign_in: true,
            enable_oauth: true,
        }
    }
}

/// The changes `PUT Profile` asks of the switches; `None` leaves one.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SwitchChanges {
    pub enable_user_name_sign_in: Option<bool>,
    pub enable_email_sign_in: Option<bool>,
    pub enable_phone_sign_in: Option<bool>,
    #[serde(rename = "enableUnionIDSignIn")]
    pub enable_union_id_sign_in: Option<bool>,
    #[serde(rename = "enableOAuth")]
    pub enable_oauth: Option<bool>,
}

impl SignInSwitches {
    pub fn with(self, changes: SwitchChanges) -> Self {
        Self {
            enable_user_name_sign_in: changes
                .enable_user_name_sign_in
                .unwrap_or(self.enable_user_name_sign_in),
            enable_email_sign_in: changes.enable_email_sign_in.unwrap_or(self.enable_email_sign_in),
            enable_phone_sign_in: changes.enable_phone_sign_in.unwrap_or(self.enable_phone_sign_in),
            enable_union_id_sign_in: changes
                .enable_union_id_sign_in
                .unwrap_or(self.enable_union_id_sign_in),
            enable_oauth: changes.enable_oauth.unwrap_or(self.enable_oauth),
        }
    }

    /// Each switch by its attribute name.
    pub fn named(self) -> [(&'static str, bool); 5] {
        [
            ("enableUserNameSignIn", self.enable_user_name_sign_in),
            ("enableEmailSignIn", self.enable_email_sign_in),
            ("enablePhoneSignIn", self.enable_phone_sign_in),
            ("enableUnionIDSignIn", self.enable_union_id_sign_in),
            ("enableOAuth", self.enable_oauth),
        ]
    }

    /// Whether a switch that was on is off in `next`.
    pub fn turns_off_any(self, next: Self) -> bool {
        self.named()
            .into_iter()
            .zip(next.named())
            .any(|((_, was), (_, is))| was && !is)
    }

    /// Refuses a sign-in by `method` the user switched off.
    pub fn permit(self, method: SignInMethod) -> Result<(), Error> {
        let (on, way, switch) = match method {
            SignInMethod::Password => (
                self.enable_user_name_sign_in,
                "with the user name",
                "enableUserNameSignIn",
            ),
            SignInMethod::EmailCode => (
                self.enable_email_sign_in,
                "with the email address",
                "enableEmailSignIn",
            ),
            SignInMethod::PhoneCode => (
                self.enable_phone_sign_in,
                "with the phone number",
                "enablePhoneSignIn",
            ),
            SignInMethod::UnionId | SignInMethod::ExternalAccount => (
                self.enable_union_id_sign_in,
                "with a union id",
                "enableUnionIDSignIn",
            ),
            SignInMethod::QrCode => (self.enable_oauth, "by QR code", "enableOAuth"),
        };
        if on {
            Ok(())
        } else {
            Err(Error::forbidden(format!(
                "Signing in {way} is switched off for this account (`{switch}` in its profile)."
            )))
        }
    }

    /// Refuses switches that leave the user none of the ways `held` says
    /// they have.
    pub fn keep_a_way_in(self, held: HeldWays) -> Result<(), Error> {
        let ways = [
            self.enable_user_name_sign_in && held.user_name,
            self.enable_email_sign_in && held.email,
            self.enable_phone_sign_in && held.phone,
            self.enable_union_id_sign_in && held.union_id,
        ];
        if ways.contains(&true) {
            Ok(())
        } else {
            Err(Error::invalid(
                "These switches would leave no way to sign in to this account: keep one on for a user name \
                 with a password, a verified email address or phone number, or a union id.",
            ))
        }
    }
}

/// The credentials a user holds that can sign them in from nothing. QR
/// sign-in needs a device signed in already, so it is not one.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeldWays {
    pub user_name: bool,
    pub email: bool,
    pub phone: bool,
    pub union_id: bool,
}

impl HeldWays {
    /// `union_id`: whether the user has a binding that may sign in.
    pub fn of(user: &User, union_id: bool) -> Self {
        Self {
            user_name: user.user_name.is_some() && user.has_password,
            email: user.email_is_valid,
            phone: user.phone_is_valid,
            union_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_read_the_date_of_the_clients_date_times() {
        for raw in [
            "1990-05-01",
            "1990-05-01T23:30:00",
            "1990-05-01T23:30:00.123456",
            "1990-05-01T23:30:00+08:00",
            "1990-05-01T23:30:00Z",
            "1990-05-01 23:30:00",
        ] {
            assert_eq!(Birthday::parse(raw).expect(raw).stored(), "1990-05-01", "{raw}");
        }
        for raw in [
            "",
            "1990-13-01",
            "01/05/1990",
            "1990-05-01x",
            "1850-01-01",
            "2999-01-01",
            "1990-05-01T25:00:00",
        ] {
            assert!(Birthday::parse(raw).is_err(), "{raw}");
        }
        assert_eq!(
            Birthday::display("1990-05-01").as_deref(),
            Some("1990-05-01 00:00:00")
        );
    }

    #[test]
    fn the_last_way_in_stays() {
        let held = HeldWays {
            email: true,
            ..HeldWays::default()
        };
        let off = SwitchChanges {
            enable_email_sign_in: Some(false),
            ..SwitchChanges::default()
        };
        let switches = SignInSwitches::default().with(off);
        assert!(SignInSwitches::default().turns_off_any(switches));
        assert!(switches.keep_a_way_in(held).is_err());
        assert!(
            switches
                .keep_a_way_in(HeldWays {
                    union_id: true,
                    ..held
                })
                .is_ok()
        );
        assert!(switches.permit(SignInMethod::EmailCode).is_err());
        assert!(switches.permit(SignInMethod::Password).is_ok());
    }
}
