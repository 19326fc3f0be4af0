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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::offset;

    #[test]
    fn matches_the_seed_profile_sample() {
        // The seed's profile shows createDate 2023-02-22 16:20:43 for iat 1677054043.
        assert_eq!(display(1_677_054_043, offset!(+8)), "2023-02-22 16:20:43");
    }
}
