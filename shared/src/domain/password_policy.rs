//! How guessable a password an app lets its users choose. Checked wherever
//! a password is set (sign-up with a user name); sign-in takes whatever was
//! set, so changing an app's policy locks no one out.

use serde::{Deserialize, Serialize};

use super::Error;
use super::setting::words;
use super::validate::Rule;

/// The 10,000 most common passwords, lowercase, one a line; `shared/data/README.md`
/// says where the list comes from and under what licence.
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordPolicy {
    /// 8–64 characters, not one of the 10,000 most common passwords and
    /// not the user name: what new apps get.
    #[default]
    Standard,
    /// The seed's 6–64 characters of anything, for clients that rely on it.
    Legacy,
}

const STANDARD_LENGTH: Rule = any_characters(8);
const LEGACY_LENGTH: Rule = any_characters(6);

const fn any_characters(min: usize) -> Rule {
    Rule {
        min,
        max: 64,
        allowed: |_| true,
        description: "any kind",
    }
}

impl PasswordPolicy {
    /// The 400 naming `pwd`, unless `password` is one the policy lets
    /// `user_name` choose.
    pub fn check(self, password: &str, user_name: &str) -> Result<(), Error> {
        match self {
            PasswordPolicy::Legacy => LEGACY_LENGTH.check("pwd", password),
            PasswordPolicy::Standard => {
                STANDARD_LENGTH.check("pwd", password)?;
                let lowercase = password.to_lowercase();
                if lowercase == user_name.to_lowercase() {
                    return Err(Error::invalid("`pwd` must not be the user name."));
                }
                if is_common(&lowercase) {
                    return Err(Error::invalid(
                        "`pwd` is one of the 10,000 most common passwords, the first an attacker tries; \
                         choose another.",
                    ));
                }
                Ok(())
            }
        }
    }
}

/// A scan of 77 KB, a few microseconds next to the password's hash.
fn is_common(lowercase: &str) -> bool {
    COMMON_PASSWORDS.lines().any(|common| common == lowercase)
}

words!(PasswordPolicy, "password policy", {
    Standard => "standard",
    Legacy => "legacy",
});

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(policy: PasswordPolicy, password: &str, user_name: &str) -> String {
        policy
            .check(password, user_name)
            .unwrap_err()
            .message()
            .to_owned()
    }

    #[test]
    fn standard_refuses_short_common_and_own_name_passwords() {
        let standard = PasswordPolicy::Standard;
        assert!(standard.check("sunlit-meadow-42", "ann").is_ok());
        assert!(
            standard.check("密码密码密码密码", "ann").is_ok(),
            "counts characters"
        );
        assert!(refusal(standard, "1234567", "ann").contains("`pwd` must be 8 to 64"));
        assert!(refusal(standard, &"x".repeat(65), "ann").contains("`pwd` must be 8 to 64"));
        for common in ["password1", "qwerty123", "iloveyou", "Password1", "12345678"] {
            assert!(
                refusal(standard, common, "ann").contains("most common"),
                "{common}"
            );
        }
        assert!(refusal(standard, "Mallory.K", "mallory.k").contains("user name"));
    }

    #[test]
    fn legacy_is_the_seed_rule() {
        let legacy = PasswordPolicy::Legacy;
        for ok in ["123456", "密码密码密码", "wwwwww"] {
            assert!(legacy.check(ok, "wwwwww").is_ok(), "{ok}");
        }
        assert!(refusal(legacy, "12345", "ann").contains("`pwd` must be 6 to 64"));
        assert!(legacy.check(&"x".repeat(65), "ann").is_err());
    }

    #[test]
    fn the_list_is_the_top_ten_thousand() {
        assert_eq!(COMMON_PASSWORDS.lines().count(), 10_000);
        assert!(
            COMMON_PASSWORDS
                .lines()
                .all(|p| p == p.to_lowercase() && p == p.trim())
        );
    }

    #[test]
    fn names_parse_and_print() {
        for policy in [PasswordPolicy::Standard, PasswordPolicy::Legacy] {
            assert_eq!(policy.as_str().parse::<PasswordPolicy>(), Ok(policy));
        }
        assert!("strict".parse::<PasswordPolicy>().is_err());
    }
}
