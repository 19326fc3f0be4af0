//! Sign-in lockout per credential, as rules: `threshold` failures within
//! `window` lock the credential until `window` after the failure that
//! reached the threshold. The store keeps the state on the credential's item.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a sign-in names, and whose failures are counted together.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// A user name with its password (the `LOGIN` item).
    UserName(&'a str),
    /// A (platform, unionID) binding (its guard item).
    UnionId { platform: &'a str, union_id: &'a str },
}

/// Sign-in lockout per account: `threshold` failures within `window` lock the
/// account until `window` after the last of them.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub window: Duration,
}

/// Recent failed sign-ins of one account, for the lockout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockoutState {
    /// Unix seconds of recent failures, oldest first.
    #[serde(default)]
    pub failures: Vec<i64>,
    #[serde(default)]
    pub locked_until: Option<i64>,
    /// Bumped by every write, for optimistic concurrency.
    #[serde(default)]
    pub lock_version: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockStatus {
    Open,
    Locked { until: i64 },
}

pub fn lock_status(state: &LockoutState, now: i64) -> LockStatus {
    match state.locked_until {
        Some(until) if until > now => LockStatus::Locked { until },
        _ => LockStatus::Open,
    }
}

/// The state after one more failure at `now`.
pub fn after_failure(state: &LockoutState, policy: LockoutPolicy, now: i64) -> LockoutState {
    let window = policy.window.as_secs() as i64;
    let mut failures: Vec<i64> = state
        .failures
        .iter()
        .copied()
        .filter(|at| now - at < window)
        .collect();
    failures.push(now);
    let locked_until = if failures.len() >= policy.threshold as usize {
        failures.clear();
        Some(now + window)
    } else {
        state.locked_until.filter(|until| *until > now)
    };
    LockoutState {
        failures,
        locked_until,
        lock_version: state.lock_version + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: LockoutPolicy = LockoutPolicy {
        threshold: 5,
        window: Duration::from_secs(900),
    };

    fn fail_at(times: &[i64]) -> LockoutState {
        times.iter().fold(LockoutState::default(), |state, at| {
            after_failure(&state, POLICY, *at)
        })
    }

    #[test]
    fn five_failures_within_the_window_lock_until_window_after_the_fifth() {
        let state = fail_at(&[0, 10, 20, 30, 40]);
        assert_eq!(lock_status(&state, 41), LockStatus::Locked { until: 940 });
        assert_eq!(lock_status(&state, 939), LockStatus::Locked { until: 940 });
        assert_eq!(lock_status(&state, 940), LockStatus::Open);
    }

    #[test]
    fn failures_spread_beyond_the_window_do_not_lock() {
        let state = fail_at(&[0, 300, 600, 899, 900]);
        assert_eq!(lock_status(&state, 901), LockStatus::Open);
        assert_eq!(state.failures, vec![300, 600, 899, 900]);
        assert_eq!(state.lock_version, 5);
    }

    #[test]
    fn four_failures_leave_the_account_open() {
        assert_eq!(lock_status(&fail_at(&[0, 1, 2, 3]), 4), LockStatus::Open);
    }
}
