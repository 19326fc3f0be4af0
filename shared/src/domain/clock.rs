//! Time as the API shows it: unix seconds inside, `YYYY-MM-DD HH:MM:SS` at a
//! configured UTC offset (China Standard Time by default) in response bodies.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

const DISPLAY_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Seconds since the unix epoch.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Milliseconds since the unix epoch, for what must sort in the order it
/// happened within a second.
pub fn now_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Formats unix seconds for a response body.
pub fn display(unix_seconds: i64, offset: UtcOffset) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .format(DISPLAY_FORMAT)
        .expect("the display format has only numeric parts")
}

/// The UTC date of unix seconds, `YYYY-MM-DD`.
pub fn utc_date(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(format_description!("[year]-[month]-[day]"))
        .expect("the date format has only numeric parts")
}

/// Unix seconds of a time a client sent: `YYYY-MM-DD`, or
/// `YYYY-MM-DD HH:MM:SS` (or with `T`), with optional fractions of a second
/// (dropped) and an optional `Z` or `±HH:MM` / `±HHMM` offset; without one
/// it is at `offset`, as the API shows times. `None` for anything else.
pub fn parse(text: &str, offset: UtcOffset) -> Option<i64> {
    let date = time::Date::parse(text.get(..10)?, format_description!("[year]-[month]-[day]")).ok()?;
    let rest = &text[10..];
    let (clock, rest) = match rest.as_bytes().first() {
        None => (time::Time::MIDNIGHT, ""),
        Some(b' ' | b'T') => {
            let clock = rest.get(1..9)?;
            let clock = time::Time::parse(clock, format_description!("[hour]:[minute]:[second]")).ok()?;
            (clock, &rest[9..])
        }
        Some(_) => return None,
    };
    let rest = match rest.strip_prefix('.') {
        Some(fraction) => {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            &fraction[digits..]
        }
        None => rest,
    };
    let offset = match rest {
        "" => offset,
        "Z" => UtcOffset::UTC,
        zone => {
            let zone = zone.replace(':', "");
            UtcOffset::parse(
                &zone,
                format_description!("[offset_hour sign:mandatory][offset_minute]"),
            )
            .ok()?
        }
    };
    Some(
        time::PrimitiveDateTime::new(date, clock)
            .assume_offset(offset)
            .unix_timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::offset;

    #[test]
    fn parses_what_clients_send_and_nothing_else() {
        let cst = offset!(+8);
        assert_eq!(parse("2023-02-22 16:20:43", cst), Some(1_677_054_043));
        assert_eq!(parse("2023-02-22T16:20:43.123456", cst), Some(1_677_054_043));
        assert_eq!(parse("2023-02-22T08:20:43.000000+0000", cst), Some(1_677_054_043));
        assert_eq!(parse("2023-02-22T08:20:43Z", cst), Some(1_677_054_043));
        assert_eq!(parse("2023-02-22T16:20:43+08:00", cst), Some(1_677_054_043));
        assert_eq!(
            parse("2023-02-22", cst),
            Some(1_677_054_043 - 16 * 3600 - 20 * 60 - 43)
        );
        for bad in [
            "",
            "yesterday",
            "2023-02-30",
            "2023-02-22 25:00:00",
            "2023-02-22X",
            "2023-02-22 16:20:43.",
            "2023-02-22 16:20:43 junk",
        ] {
            assert_eq!(parse(bad, cst), None, "{bad}");
        }
    }

    #[test]
    fn matches_the_seed_profile_sample() {
        // The seed's profile shows createDate 2023-02-22 16:20:43 for iat 1677054043.
        assert_eq!(display(1_677_054_043, offset!(+8)), "2023-02-22 16:20:43");
    }
}
