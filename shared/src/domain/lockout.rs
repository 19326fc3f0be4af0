//! Sign-in lockout, as rules: at most `threshold` attempts are checked per
//! `window`, which starts with the first attempt after the last one passed.
//! An attempt is reserved before its password or code is checked, so however
//! many arrive at once, no more than `threshold` are checked; a success gives
//! its own attempt back, a failure keeps it until the window ends. The store keeps the
//! state on the item of whatever the attempts are counted on.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Error;
use super::verification::Recipient;

/// Whose attempts are counted together.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// A user name with its password (the `LOGIN` item).
    UserName(&'a str),
    /// A (platform, unionID) binding (its guard item).
    UnionId { platform: &'a str, union_id: &'a str },
    /// The user (its item), for changes a Bearer token asks for, which name
    /// no credential: changing two-factor sign-in.
    User(u64),
    /// A verified email address or phone number (its guard item), with its
    /// codes or password.
    Address(&'a Recipient),
}

/// At most `threshold` attempts are checked per `window`.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub window: Duration,
}

impl LockoutPolicy {
    fn window_secs(self) -> i64 {
        self.window.as_secs() as i64
    }

    /// Windows starting at or before this have passed at `now`.
    pub fn passed_before(self, now: i64) -> i64 {
        now - self.window_secs()
    }

    /// How long an unknown user name's attempts are kept: a window past the
    /// end of the one starting at `now`.
    pub fn expiry(self, now: i64) -> i64 {
        now + 2 * self.window_secs()
    }
}

/// The attempts in the current window, as stored with what they count on.
/// Written with nothing in it, it writes no attributes: the reservation
/// takes an absent window start (never a null one) for none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockoutState {
    /// Attempts reserved in the window, checked or still being checked.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Unix seconds the window started; none without attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts_since: Option<i64>,
}

fn is_zero(attempts: &u32) -> bool {
    *attempts == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockStatus {
    Open,
    Locked { until: i64 },
}

/// Whether one more attempt may be reserved at `now`.
pub fn lock_status(state: &LockoutState, policy: LockoutPolicy, now: i64) -> LockStatus {
    match state.attempts_since {
        Some(since) if since > policy.passed_before(now) && state.attempts >= policy.threshold => {
            LockStatus::Locked {
                until: since + policy.window_secs(),
            }
        }
        _ => LockStatus::Open,
    }
}

/// The refusal while locked, with the minutes left.
pub fn locked(until: i64, now: i64) -> Error {
    let minutes = (until - now + 59) / 60;
    Error::too_many_attempts(format!(
        "Too many failed sign-ins for this account; try again in {minutes} minute(s)."
    ))
    .retry_after(u64::try_from(until - now).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: LockoutPolicy = LockoutPolicy {
        threshold: 5,
        window: Duration::from_secs(900),
    };

    fn state(attempts: u32, since: i64) -> LockoutState {
        LockoutState {
            attempts,
            attempts_since: Some(since),
        }
    }

    #[test]
    fn the_threshold_of_attempts_locks_until_the_window_ends() {
        assert_eq!(
            lock_status(&state(5, 0), POLICY, 41),
            LockStatus::Locked { until: 900 }
        );
        assert_eq!(
            lock_status(&state(5, 0), POLICY, 899),
            LockStatus::Locked { until: 900 }
        );
        assert_eq!(lock_status(&state(5, 0), POLICY, 900), LockStatus::Open);
    }

    #[test]
    fn fewer_attempts_or_none_leave_it_open() {
        assert_eq!(lock_status(&state(4, 0), POLICY, 1), LockStatus::Open);
        assert_eq!(lock_status(&LockoutState::default(), POLICY, 1), LockStatus::Open);
    }

    #[test]
    fn the_refusal_rounds_the_minutes_up() {
        assert!(locked(900, 41).message().contains("try again in 15 minute(s)"));
        assert!(locked(900, 899).message().contains("try again in 1 minute(s)"));
        assert_eq!(locked(900, 41).retry_after_seconds(), Some(859));
    }
}
