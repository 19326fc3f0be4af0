//! Per-minute allowances: at most so many requests of one kind from one
//! source (an IP address, a user) per app in each minute. Windows are fixed
//! calendar minutes, so every instance counts into the same window without
//! agreeing on anything but the clock.

use std::net::IpAddr;

use super::Error;
use super::setting::words;

/// The kinds of unauthenticated request counted apart, each against its
/// own allowance, so a page polling its QR key never eats the allowance of
/// sign-ins from the same address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// Password, union-id and external-account sign-in.
    SignIn,
    /// Every kind of sign-up, QR sign-up and Confirm-Register included.
    SignUp,
    /// Creating a QR sign-in key.
    QrKey,
    /// Scanning a QR sign-in key.
    QrScan,
    /// The web page's poll that redeems a QR sign-in key.
    QrPoll,
    /// Exchanging a WeChat login code, and decrypting with its session key.
    WechatLogin,
    /// Requests whose backend signature does not verify: counted only
    /// when it fails, so a backend signing correctly is never slowed.
    BadSignature,
    /// The OAuth token and revocation endpoints, which take a refresh token
    /// on its holder's word.
    Token,
    /// Sending a verification code, which costs the app an email or an SMS.
    SendCode,
    /// Reading the app's public card and properties (v1 `App/{appKey}/Info`).
    AppInfo,
}

words!(RouteClass, "route class", {
    SignIn => "sign-in",
    SignUp => "sign-up",
    QrKey => "qr-key",
    QrScan => "qr-scan",
    QrPoll => "qr-poll",
    WechatLogin => "wechat-login",
    BadSignature => "bad-signature",
    Token => "token",
    SendCode => "send-code",
    AppInfo => "app-info",
});

/// Where a request comes from, as counted: an IPv4 address, or the /64
/// network of an IPv6 address, since one subscriber gets a whole /64 and
/// could otherwise take a new address for each request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAddress(String);

impl SourceAddress {
    /// API Gateway's `sourceIp`; anything unreadable (or absent) counts as
    /// one unknown source, never as no source at all.
    pub fn from_source_ip(source_ip: Option<&str>) -> Self {
        let counted = match source_ip.and_then(|ip| ip.parse::<IpAddr>().ok()) {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let network = u128::from(v6) & !((1u128 << 64) - 1);
                    format!("{}/64", std::net::Ipv6Addr::from(network))
                }
            },
            None => "unknown".to_owned(),
        };
        Self(counted)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The calendar minute (or UTC day) a request falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub seconds: i64,
}

impl Window {
    const MINUTE: i64 = 60;
    const DAY: i64 = 86_400;

    /// The minute of `now`.
    pub fn of(now: i64) -> Self {
        Self::of_length(now, Self::MINUTE)
    }

    /// The UTC day of `now`.
    pub fn day_of(now: i64) -> Self {
        Self::of_length(now, Self::DAY)
    }

    fn of_length(now: i64, seconds: i64) -> Self {
        Self {
            start: now - now.rem_euclid(seconds),
            seconds,
        }
    }

    pub fn end(self) -> i64 {
        self.start + self.seconds
    }
}

/// How many requests a window admits; zero admits any number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub per_minute: u32,
}

impl Allowance {
    pub fn is_unlimited(self) -> bool {
        self.per_minute == 0
    }

    /// Whether the `count`-th request of the window is admitted at `now`;
    /// the refusal names what was counted (`what`: "sign-in requests from
    /// this address") and says when the window ends.
    pub fn admits(self, count: u64, window: Window, now: i64, what: &str) -> Result<(), Error> {
        if self.is_unlimited() || count <= u64::from(self.per_minute) {
            return Ok(());
        }
        let seconds = u64::try_from(window.end() - now).unwrap_or(1);
        Err(Error::too_many_attempts(format!(
            "Too many {what}; at most {} a minute are accepted. Retry after {seconds} second(s).",
            self.per_minute
        ))
        .retry_after(seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_ipv6_by_network_and_unreadable_sources_together() {
        let source = |ip| SourceAddress::from_source_ip(ip).as_str().to_owned();
        assert_eq!(source(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(source(Some("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(source(Some("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
        assert_eq!(source(Some("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(source(Some("not an address")), "unknown");
        assert_eq!(source(None), "unknown");
    }

    #[test]
    fn windows_are_calendar_minutes() {
        assert_eq!(
            Window::of(120),
            Window {
                start: 120,
                seconds: 60
            }
        );
        assert_eq!(
            Window::of(179),
            Window {
                start: 120,
                seconds: 60
            }
        );
        assert_eq!(Window::day_of(86_400 + 5).start, 86_400);
        assert_eq!(Window::of(179).end(), 180);
    }

    #[test]
    fn admits_up_to_the_allowance_and_says_when_to_retry() {
        let allowance = Allowance { per_minute: 3 };
        let window = Window::of(100);
        assert!(allowance.admits(3, window, 100, "sign-ins").is_ok());
        let refused = allowance.admits(4, window, 100, "sign-ins").unwrap_err();
        assert_eq!(refused.retry_after_seconds(), Some(20));
        assert!(refused.message().contains("at most 3 a minute"), "{refused}");
        assert!(
            Allowance { per_minute: 0 }
                .admits(u64::MAX, window, 100, "x")
                .is_ok()
        );
    }
}
