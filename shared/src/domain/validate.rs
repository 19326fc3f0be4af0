//! Field rules shared by every endpoint and the admin CLI. Each failure
//! names the field and states the rule, so a client developer can fix the
//! request at once.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::domain::Error;

pub const NICK_NAME_MAX: usize = 64;
pub const AVATAR_MAX: usize = 1024;
pub const EMAIL_MAX: usize = 254;
pub const PHONE_MAX: usize = 20;
pub const DATA_MAX: usize = 10_000;
/// A binding's display name and avatar: the v1 client's `UserLogins`
/// limits, so that every list of bindings it reads parses.
pub const PLATFORM_NAME_MAX: usize = 50;
pub const BINDING_AVATAR_MAX: usize = 255;
/// What v1 `PUT Profile` writes: the v1 client's `User` limits, so that
/// the profile it reads back parses.
pub const V1_NICK_NAME_MAX: usize = 50;
pub const V1_AVATAR_MAX: usize = 255;

/// A rule for a text value: `min..=max` characters, each one `allowed`,
/// which `description` says in words.
#[derive(Clone, Copy)]
pub struct Rule {
    pub min: usize,
    pub max: usize,
    pub allowed: fn(char) -> bool,
    pub description: &'static str,
}

impl Rule {
    pub fn allows(&self, value: &str) -> bool {
        let len = value.chars().count();
        (self.min..=self.max).contains(&len) && value.chars().all(self.allowed)
    }

    /// The rule in words, e.g. "3 to 32 characters of letters and digits".
    pub fn describe(&self) -> String {
        format!("{} to {} characters of {}", self.min, self.max, self.description)
    }

    /// The 400 naming `field`, unless `value` keeps the rule.
    pub fn check(&self, field: &str, value: &str) -> Result<(), Error> {
        if self.allows(value) {
            return Ok(());
        }
        Err(Error::invalid(format!("`{field}` must be {}.", self.describe())))
    }
}

/// `min..=max` of `[A-Za-z0-9_-]`: ids and keys that travel in URLs.
const fn name(min: usize, max: usize) -> Rule {
    Rule {
        min,
        max,
        allowed: |c| c.is_ascii_alphanumeric() || "_-".contains(c),
        description: "letters, digits, _ and -",
    }
}

/// `min..=max` letters and digits.
const fn alphanumeric(min: usize, max: usize) -> Rule {
    Rule {
        min,
        max,
        allowed: |c| c.is_ascii_alphanumeric(),
        description: "letters and digits",
    }
}

/// `min..=max` visible ASCII characters, so nothing odd reaches a query string.
const fn visible_ascii(min: usize, max: usize) -> Rule {
    Rule {
        min,
        max,
        allowed: |c| c.is_ascii_graphic(),
        description: "visible ASCII",
    }
}

/// Any character but controls other than line breaks and tabs.
fn data_char(c: char) -> bool {
    !c.is_control() || "\n\r\t".contains(c)
}

/// A character of text a person reads: no control but line breaks and
/// tabs, and no format character (Unicode category Cf: bidi overrides and
/// isolates, zero-width spaces and joiners, the byte-order mark), which
/// makes text read otherwise than it is stored or hides part of it.
fn text_char(c: char) -> bool {
    data_char(c) && c.general_category() != GeneralCategory::Format
}

/// 3–32 of `[A-Za-z0-9_.@-]`.
pub const USER_NAME: Rule = Rule {
    min: 3,
    max: 32,
    allowed: |c| c.is_ascii_alphanumeric() || "_.@-".contains(c),
    description: "letters, digits and _ . @ -",
};
pub const UNION_ID: Rule = name(1, 50);
/// A `wx.login` code: 32 characters today.
pub const WECHAT_CODE: Rule = visible_ascii(1, 128);
/// A WeChat openid: 28 characters today.
pub const OPEN_ID: Rule = name(1, 64);
pub const PLATFORM: Rule = alphanumeric(1, 20);
/// The `X-OAuthApp-Nonce` of a signed request: room for a UUID or 128
/// random bits in base64url; it only has to be new.
pub const SIGNATURE_NONCE: Rule = name(16, 64);
/// An app key: it appears in client configuration and URLs.
pub const APP_KEY: Rule = name(3, 64);
/// A WeChat appid: `wx` and 16 hex digits today.
pub const WECHAT_APP_ID: Rule = name(3, 32);
/// A WeChat AppSecret: 32 hex digits today.
pub const WECHAT_SECRET: Rule = visible_ascii(8, 128);
/// A JS-SDK API name such as `chooseImage`.
pub const JS_API_NAME: Rule = alphanumeric(1, 64);
/// The scopes a web page asks for with a QR key.
pub const SCOPES: Rule = Rule {
    min: 0,
    max: 100,
    allowed: |c| c.is_ascii_alphanumeric() || c == ',',
    description: "letters, digits and commas",
};
/// The scheme a QR key's web page names.
pub const SCHEME: Rule = alphanumeric(0, 50);

/// Text a person reads, of `min..=max` characters.
pub const fn text_rule(min: usize, max: usize) -> Rule {
    Rule {
        min,
        max,
        allowed: text_char,
        description: "text without control or invisible format characters",
    }
}

/// A user's or binding's `data`: the app's own value, which it may read as
/// JSON holding anything (an emoji's zero-width joiner too), never shown as is.
pub const DATA: Rule = Rule {
    min: 0,
    max: DATA_MAX,
    allowed: data_char,
    description: "text without control characters",
};

pub fn user_name(value: &str) -> Result<(), Error> {
    USER_NAME.check("userName", value)
}

pub fn union_id(value: &str) -> Result<(), Error> {
    UNION_ID.check("unionID", value)
}

/// A `wx.login` code in `field`.
pub fn wechat_code(field: &str, value: &str) -> Result<(), Error> {
    WECHAT_CODE.check(field, value)
}

/// A WeChat openid in `field`.
pub fn open_id(field: &str, value: &str) -> Result<(), Error> {
    OPEN_ID.check(field, value)
}

pub fn platform(value: &str) -> Result<(), Error> {
    PLATFORM.check("platform", value)
}

/// Text a person reads, of at most `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), Error> {
    text_rule(0, max).check(field, value)
}

pub fn data(value: &str) -> Result<(), Error> {
    DATA.check("data", value)
}

/// A positive id in a path, as the API writes it: decimal digits, the
/// first not 0, within u64. No sign, leading zero or space, so that each
/// resource has one path and no spelling of an id slips past a check made
/// on another.
pub fn canonical_id(raw: &str) -> Option<u64> {
    let canonical =
        raw.starts_with(|c: char| ('1'..='9').contains(&c)) && raw.bytes().all(|b| b.is_ascii_digit());
    if canonical { raw.parse().ok() } else { None }
}

/// Empty, or a plausible address: one `@` between non-empty parts, no spaces.
pub fn email(value: &str) -> Result<(), Error> {
    if value.is_empty() {
        return Ok(());
    }
    let plausible = value.chars().count() <= EMAIL_MAX
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(value.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if !plausible {
        return Err(Error::invalid(format!(
            "`email` must be empty or an address like name@example.com, at most {EMAIL_MAX} characters."
        )));
    }
    Ok(())
}

/// Empty, or digits with an optional leading `+`.
pub fn phone(value: &str) -> Result<(), Error> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if value.is_empty()
        || (digits.len() <= PHONE_MAX && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
    {
        return Ok(());
    }
    Err(Error::invalid(format!(
        "`phone` must be empty or up to {PHONE_MAX} digits with an optional leading +."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_name_rules() {
        for ok in ["abc", "Duis", "wwww", "a.b@c-d_e", &"x".repeat(32)] {
            assert!(user_name(ok).is_ok(), "{ok}");
        }
        for bad in ["ab", "", "with space", "名字名字", &"x".repeat(33), "a/b"] {
            let err = user_name(bad).unwrap_err();
            assert!(err.message().contains("`userName`"), "{bad}");
        }
    }

    #[test]
    fn union_id_and_platform() {
        assert!(union_id("oKOsq40U1rMJ0CruOArCbEf8aJA8").is_ok());
        assert!(union_id("").is_err());
        assert!(union_id("a b").is_err());
        assert!(platform("wxminip").is_ok());
        assert!(platform("we-b").is_err());
        assert!(platform(&"a".repeat(21)).is_err());
    }

    #[test]
    fn contact_fields() {
        assert!(email("").is_ok());
        assert!(email("laborumUt@test.com").is_ok());
        assert!(email("no-at-sign").is_err());
        assert!(email("a@b@c").is_err());
        assert!(phone("111111111").is_ok());
        assert!(phone("+8613800000000").is_ok());
        assert!(phone("12a").is_err());
        assert!(phone("+").is_err());
    }

    #[test]
    fn text_limits() {
        assert!(text("data", &"x".repeat(DATA_MAX), DATA_MAX).is_ok());
        assert!(text("data", &"x".repeat(DATA_MAX + 1), DATA_MAX).is_err());
        assert!(text("nickName", "bell\u{7}", NICK_NAME_MAX).is_err());
        assert!(text("data", "自定义数据\nline", DATA_MAX).is_ok());
    }

    #[test]
    fn text_refuses_format_characters() {
        // A bidi override, a zero-width space, a BOM, an isolate, a joiner.
        for c in ['\u{202E}', '\u{200B}', '\u{FEFF}', '\u{2066}', '\u{200D}'] {
            let err = text("nickName", &format!("Ann{c}"), NICK_NAME_MAX).unwrap_err();
            assert!(err.message().starts_with("`nickName` must be"), "{c:?}");
            assert!(data(&format!("Ann{c}")).is_ok(), "data is the app's own: {c:?}");
        }
        assert!(text("nickName", "李雷 😀 Ann-Marie", NICK_NAME_MAX).is_ok());
        assert!(data("bell\u{7}").is_err());
        assert!(data(&"x".repeat(DATA_MAX + 1)).is_err());
    }

    #[test]
    fn ids_in_paths_are_canonical() {
        assert_eq!(canonical_id("1"), Some(1));
        assert_eq!(canonical_id("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "0",
            "01",
            "0001",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1e3",
            "１",
            "18446744073709551616",
        ] {
            assert_eq!(canonical_id(bad), None, "{bad:?}");
        }
    }
}
