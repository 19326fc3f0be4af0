//! Value parsers for arguments: a value that breaks a rule is a usage error,
//! reported by clap before anything touches the table.

use oauthapp_shared::domain::validate::{self, Rule};
use time::UtcOffset;
use time::format_description::well_known::Iso8601;

/// `value`, if it keeps `rule`; else what clap shows after the flag.
pub fn keeping(rule: &Rule, value: &str) -> Result<String, String> {
    if rule.allows(value) {
        Ok(value.to_owned())
    } else {
        Err(format!("must be {}", rule.describe()))
    }
}

/// `MIN..=MAX` characters of text, as the API's free text.
pub fn text<const MIN: usize, const MAX: usize>(value: &str) -> Result<String, String> {
    keeping(&validate::text_rule(MIN, MAX), value)
}

/// An offset like `+08:00`, as `DISPLAY_UTC_OFFSET` gives it to the functions.
pub fn utc_offset(value: &str) -> Result<UtcOffset, String> {
    UtcOffset::parse(value, &Iso8601::DEFAULT).map_err(|err| format!("{err} (expected e.g. +08:00)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_counts_characters_not_bytes() {
        assert_eq!(text::<1, 3>("名字呀").as_deref(), Ok("名字呀"));
        assert!(text::<1, 3>("名字呀!").is_err());
        assert!(text::<1, 3>("").is_err());
        assert_eq!(text::<0, 3>("").as_deref(), Ok(""));
    }

    #[test]
    fn text_refuses_control_characters_but_not_line_breaks() {
        assert!(text::<0, 10>("a\u{7}b").is_err());
        assert!(text::<0, 10>("a\nb\tc").is_ok());
        assert_eq!(
            text::<1, 2>("abc").unwrap_err(),
            "must be 1 to 2 characters of text without control or invisible format characters"
        );
    }

    #[test]
    fn card_text_refuses_format_characters() {
        for c in ['\u{202E}', '\u{200B}', '\u{FEFF}'] {
            assert!(text::<0, 100>(&format!("Pay{c}Pal")).is_err(), "{c:?}");
        }
    }

    #[test]
    fn parses_offsets() {
        assert_eq!(utc_offset("+08:00"), Ok(UtcOffset::from_hms(8, 0, 0).unwrap()));
        assert!(utc_offset("8").unwrap_err().contains("+08:00"));
    }
}
