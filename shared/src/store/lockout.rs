//! Sign-in lockout per credential: `threshold` failures within `window`
//! lock it until `window` after the failure that reached the threshold. The
//! state lives on the credential's item and is written optimistically, so
//! concurrent failures are all counted.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{Key, LockoutState, Login, Store, StoreError, keys, number};
use crate::config::LockoutPolicy;

/// What a sign-in names, and whose failures are counted together.
#[derive(Debug, Clone, Copy)]
pub enum Credential<'a> {
    /// A user name with its password (the `LOGIN` item).
    UserName(&'a str),
    /// A (platform, unionID) binding (its guard item).
    UnionId { platform: &'a str, union_id: &'a str },
}

impl Credential<'_> {
    fn key(&self, app_id: u64) -> Key {
        match self {
            Credential::UserName(name) => keys::login(app_id, name),
            Credential::UnionId { platform, union_id } => keys::union_id(app_id, platform, union_id),
        }
    }
}

/// Attempts at an optimistic write before giving up.
const MAX_ATTEMPTS: usize = 10;

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
fn after_failure(state: &LockoutState, policy: LockoutPolicy, now: i64) -> LockoutState {
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

impl Store {
    /// The app and the credential of `user_name`, in one request.
    pub async fn app_and_login(
        &self,
        app_id: u64,
        user_name: &str,
    ) -> Result<(Option<super::App>, Option<Login>), StoreError> {
        self.app_and(app_id, &keys::login(app_id, user_name)).await
    }

    /// Counts a failed sign-in with `credential`, starting from `seen`, its
    /// lockout state as last read, and `registered`, whether it belongs to
    /// a user (an unknown user name has no item until it fails).
    pub async fn record_sign_in_failure(
        &self,
        app_id: u64,
        credential: Credential<'_>,
        seen: Option<LockoutState>,
        registered: bool,
        policy: LockoutPolicy,
        now: i64,
    ) -> Result<(), StoreError> {
        let key = credential.key(app_id);
        let (mut state, mut registered) = (seen.unwrap_or_default(), registered);
        for _ in 0..MAX_ATTEMPTS {
            let next = after_failure(&state, policy, now);
            let mut update = "SET failures = :failures, lockedUntil = :until, lockVersion = :next".to_owned();
            let mut request = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key.item()))
                .expression_attribute_values(
                    ":failures",
                    AttributeValue::L(next.failures.iter().map(|at| number(*at)).collect()),
                )
                .expression_attribute_values(
                    ":until",
                    next.locked_until.map_or(AttributeValue::Null(true), number),
                )
                .expression_attribute_values(":next", number(next.lock_version));
            // Items written with the model carry version 0; others none yet.
            let mut condition = if state.lock_version == 0 {
                "(attribute_not_exists(lockVersion) OR lockVersion = :seen)".to_owned()
            } else {
                "lockVersion = :seen".to_owned()
            };
            request = request.expression_attribute_values(":seen", number(state.lock_version));
            if registered {
                // Never recreate a credential removed meanwhile.
                condition.push_str(" AND attribute_exists(userId)");
            } else {
                // A name nobody registered: let the record expire, but never
                // put an expiry on a credential that appeared meanwhile.
                update.push_str(", #ttl = :ttl");
                condition.push_str(" AND attribute_not_exists(userId)");
                request = request
                    .expression_attribute_names("#ttl", keys::TTL)
                    .expression_attribute_values(":ttl", number(now + 2 * policy.window.as_secs() as i64));
            }
            let request = request.update_expression(update).condition_expression(condition);
            match request.send().await {
                Ok(_) => return Ok(()),
                Err(err)
                    if matches!(
                        err.as_service_error(),
                        Some(UpdateItemError::ConditionalCheckFailedException(_))
                    ) =>
                {
                    // A binding's guard reads as a credential too: user id and lockout.
                    match self.get::<Login>(&key).await? {
                        Some(credential) => {
                            registered = credential.user_id.is_some();
                            state = credential.lockout;
                        }
                        // A binding removed meanwhile has nothing left to lock.
                        None if matches!(credential, Credential::UnionId { .. }) => return Ok(()),
                        None => (registered, state) = (false, LockoutState::default()),
                    }
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(StoreError::Unavailable(format!(
            "lockout state of {} kept changing",
            key.pk
        )))
    }

    /// Forgets earlier failures after a successful sign-in.
    pub async fn clear_sign_in_failures(
        &self,
        app_id: u64,
        credential: Credential<'_>,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(credential.key(app_id).item()))
            .update_expression("SET failures = :none, lockVersion = if_not_exists(lockVersion, :zero) + :one REMOVE lockedUntil")
            .condition_expression("attribute_exists(userId)")
            .expression_attribute_values(":none", AttributeValue::L(vec![]))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":zero", number(0))
            .send()
            .await
            .map(|_| ())
            .or_else(|err| match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(_)) => Ok(()),
                _ => Err(err.into()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
