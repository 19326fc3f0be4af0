//! Field rules shared by every endpoint. Each failure names the field and
//! states the rule, so a client developer can fix the request at once.

use crate::ApiError;

pub const NICK_NAME_MAX: usize = 64;
pub const AVATAR_MAX: usize = 1024;
pub const EMAIL_MAX: usize = 254;
pub const PHONE_MAX: usize = 20;
pub const DATA_MAX: usize = 10_000;
pub const PLATFORM_NAME_MAX: usize = 64;

/// `value` must have `min..=max` characters, each allowed by `allowed`,
/// which `rule` describes in words.
fn pattern(
    field: &str,
    value: &str,
    (min, max): (usize, usize),
    allowed: impl Fn(char) -> bool,
    rule: &str,
) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < min || len > max || !value.chars().all(allowed) {
        return Err(ApiError::bad_request(format!(
            "`{field}` must be {min} to {max} characters of {rule}."
        )));
    }
    Ok(())
}

/// At most `max` characters, each allowed by `allowed`; may be empty.
pub fn characters(
    field: &str,
    value: &str,
    max: usize,
    allowed: impl Fn(char) -> bool,
    rule: &str,
) -> Result<(), ApiError> {
    pattern(field, value, (0, max), allowed, rule)
}

/// 3–32 of `[A-Za-z0-9_.@-]`.
pub fn user_name(value: &str) -> Result<(), ApiError> {
    pattern(
        "userName",
        value,
        (3, 32),
        |c| c.is_ascii_alphanumeric() || "_.@-".contains(c),
        "letters, digits and _ . @ -",
    )
}

/// 6–64 characters of anything.
pub fn password(value: &str) -> Result<(), ApiError> {
    pattern("pwd", value, (6, 64), |_| true, "any kind")
}

/// 1–50 of `[A-Za-z0-9_-]`.
pub fn union_id(value: &str) -> Result<(), ApiError> {
    pattern(
        "unionID",
        value,
        (1, 50),
        |c| c.is_ascii_alphanumeric() || "_-".contains(c),
        "letters, digits, _ and -",
    )
}

/// A `wx.login` code in `field` (32 characters today): 1–128 visible
/// ASCII characters, so nothing odd reaches WeChat's query string.
pub fn wechat_code(field: &str, value: &str) -> Result<(), ApiError> {
    pattern(field, value, (1, 128), |c| c.is_ascii_graphic(), "visible ASCII")
}

/// A WeChat openid in `field` (28 characters today): 1–64 of `[A-Za-z0-9_-]`.
pub fn open_id(field: &str, value: &str) -> Result<(), ApiError> {
    pattern(
        field,
        value,
        (1, 64),
        |c| c.is_ascii_alphanumeric() || "_-".contains(c),
        "letters, digits, _ and -",
    )
}

/// 1–20 letters and digits.
pub fn platform(value: &str) -> Result<(), ApiError> {
    pattern(
        "platform",
        value,
        (1, 20),
        |c| c.is_ascii_alphanumeric(),
        "letters and digits",
    )
}

/// Free text of at most `max` characters without control characters other
/// than line breaks and tabs.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    pattern(
        field,
        value,
        (0, max),
        |c| !c.is_control() || "\n\r\t".contains(c),
        "text",
    )
}

/// Empty, or a plausible address: one `@` between non-empty parts, no spaces.
pub fn email(value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Ok(());
    }
    let plausible = value.chars().count() <= EMAIL_MAX
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(value.split_once('@'), Some((local, domain)) if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
    if !plausible {
        return Err(ApiError::bad_request(format!(
            "`email` must be empty or an address like name@example.com, at most {EMAIL_MAX} characters."
        )));
    }
    Ok(())
}

/// Empty, or digits with an optional leading `+`.
pub fn phone(value: &str) -> Result<(), ApiError> {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if value.is_empty()
        || (digits.len() <= PHONE_MAX && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
    {
        return Ok(());
    }
    Err(ApiError::bad_request(format!(
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
    fn password_counts_characters() {
        assert!(password("123456").is_ok());
        assert!(password("密码密码密码").is_ok());
        assert!(password("12345").is_err());
        assert!(password(&"x".repeat(65)).is_err());
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
}
