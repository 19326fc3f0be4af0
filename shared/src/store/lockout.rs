//! Sign-in lockout: attempts are reserved on the item of what they count on
//! (see `domain::lockout`) by one conditional UpdateItem, before the password
//! or code is checked, and that write also returns the item, so it replaces
//! reading it. A failure keeps its attempt; nothing is written after it.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use serde::de::DeserializeOwned;

use super::two_factor::NEWER_STEP;
use super::write::condition_held;
use super::{Item, Key, Store, StoreError, keys, number, text};
use crate::domain::Login;
use crate::domain::lockout::{Credential, LockStatus, LockoutPolicy, LockoutState, lock_status};

/// The item on which `credential`'s attempts are counted.
fn lockout_key(credential: &Credential<'_>, app_id: u64) -> Key {
    match credential {
        Credential::UserName(name) => keys::login(app_id, name),
        Credential::UnionId { platform, union_id } => keys::union_id(app_id, platform, union_id),
        Credential::User(user_id) => keys::user(app_id, *user_id),
        Credential::Address(recipient) => keys::address(app_id, recipient),
    }
}

/// How reserving an attempt went.
#[derive(Debug)]
pub enum Reservation<T> {
    /// The attempt counts in `state`'s window; `item` is the item it was
    /// reserved on, as it now stands.
    Reserved {
        item: T,
        state: LockoutState,
    },
    Locked {
        until: i64,
    },
    /// A binding or user that does not exist (a user name's attempts are
    /// counted whether or not it is registered).
    Missing,
}

/// Writes of a reservation before it gives up: the first finds the window
/// passed, the second that another request started the next one meanwhile,
/// the third then succeeds or finds it locked.
const RESERVATION_WRITES: usize = 3;

impl Store {
    /// The credential of `user_name`, if registered.
    pub async fn login(&self, app_id: u64, user_name: &str) -> Result<Option<Login>, StoreError> {
        self.get(&keys::login(app_id, user_name)).await
    }

    /// Reserves one attempt with `credential` at `now`, unless the threshold
    /// of attempts in the current window is reached; starts a new window
    /// when the last one passed.
    pub async fn reserve_attempt<T: DeserializeOwned>(
        &self,
        app_id: u64,
        credential: Credential<'_>,
        policy: LockoutPolicy,
        now: i64,
    ) -> Result<Reservation<T>, StoreError> {
        let key = lockout_key(&credential, app_id);
        // Only a user name's attempts may make its item: a binding's or a
        // user's is never recreated.
        let existing = match credential {
            Credential::UserName(_) => "",
            _ => " AND attribute_exists(pk)",
        };
        let mut new_window = false;
        for _ in 0..RESERVATION_WRITES {
            let (update, condition) = if new_window {
                (
                    "SET attempts = :one, attemptsSince = :now",
                    "attemptsSince <= :passed",
                )
            } else {
                (
                    "SET attempts = if_not_exists(attempts, :zero) + :one, attemptsSince = if_not_exists(attemptsSince, :now)",
                    "(attribute_not_exists(attemptsSince) OR (attemptsSince > :passed AND attempts < :threshold))",
                )
            };
            let mut request = self
                .update(&key)
                .update_expression(update)
                .condition_expression(format!("{condition}{existing}"))
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":now", number(now))
                .expression_attribute_values(":passed", number(policy.passed_before(now)))
                .return_values(ReturnValue::AllNew)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            if !new_window {
                request = request
                    .expression_attribute_values(":zero", number(0))
                    .expression_attribute_values(":threshold", number(policy.threshold));
            }
            let old = match request.send().await {
                Ok(output) => {
                    let item: Item = output.attributes.unwrap_or_default();
                    let state = serde_dynamo::from_item(item.clone())?;
                    let item = serde_dynamo::from_item(item)?;
                    return Ok(Reservation::Reserved { item, state });
                }
                Err(err) => match err.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(failed)) => failed.item.clone(),
                    _ => return Err(err.into()),
                },
            };
            let Some(old) = old else {
                return Ok(Reservation::Missing);
            };
            let state: LockoutState = serde_dynamo::from_item(old)?;
            if let LockStatus::Locked { until } = lock_status(&state, policy, now) {
                return Ok(Reservation::Locked { until });
            }
            // Open, yet refused: the window passed, or another request just
            // started the next one.
            new_window = state
                .attempts_since
                .is_some_and(|since| since <= policy.passed_before(now));
        }
        Err(StoreError::Unavailable(format!(
            "the lockout window of {} kept changing",
            key.pk
        )))
    }

    /// Gives back the attempt a success reserved in the window starting at
    /// `since`. Only its own: the failures around it still count, so no
    /// burst gets more than the threshold of guesses checked in a window,
    /// whoever else signs in meanwhile. Nothing to give back once another
    /// window started.
    pub async fn release_attempts(
        &self,
        app_id: u64,
        credential: Credential<'_>,
        since: i64,
    ) -> Result<(), StoreError> {
        let sent = self
            .update(&lockout_key(&credential, app_id))
            .update_expression("SET attempts = attempts - :one")
            .condition_expression("attemptsSince = :since AND attempts > :zero")
            .expression_attribute_values(":since", number(since))
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":zero", number(0))
            .send()
            .await;
        // Nothing left to change is not a failure.
        condition_held(sent).map(|_| ())
    }

    /// Spends the two-factor code of `step` for the secret `secret` (as
    /// read) of the user, and gives back the attempt of `credential` it
    /// reserved, all or none. `Ok(false)`: that code (or a newer one)
    /// was used already.
    pub async fn sign_in_with_code(
        &self,
        app_id: u64,
        user_id: u64,
        (secret, step): (&str, u64),
        credential: Credential<'_>,
    ) -> Result<bool, StoreError> {
        let spend = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(app_id, user_id).item()))
            .update_expression("SET totpLastStep = :step")
            .condition_expression(format!("totpSecret = :secret AND {NEWER_STEP}"))
            .expression_attribute_values(":secret", text(secret))
            .expression_attribute_values(":step", number(step));
        // Within one sign-in the window cannot pass: no need to name it.
        let give_back = Update::builder()
            .table_name(&self.table)
            .set_key(Some(lockout_key(&credential, app_id).item()))
            .update_expression("SET attempts = attempts - :one")
            .condition_expression("attempts > :zero")
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":zero", number(0));
        let writes = vec![
            TransactWriteItem::builder()
                .update(spend.build().map_err(StoreError::from)?)
                .build(),
            TransactWriteItem::builder()
                .update(give_back.build().map_err(StoreError::from)?)
                .build(),
        ];
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            Err(failure) if failure.failed_conditions().first() == Some(&true) => Ok(false),
            Err(failure) => Err(failure.into()),
        }
    }

    /// Lets the attempts on `user_name`, which nobody registered, expire at
    /// `at`; never puts an expiry on a credential registered meanwhile.
    pub async fn expire_unregistered(&self, app_id: u64, user_name: &str, at: i64) -> Result<(), StoreError> {
        let sent = self
            .update(&keys::login(app_id, user_name))
            .update_expression("SET #ttl = :ttl")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(userId)")
            .expression_attribute_names("#ttl", keys::TTL)
            .expression_attribute_values(":ttl", number(at))
            .send()
            .await;
        // Nothing left to change is not a failure.
        condition_held(sent).map(|_| ())
    }
}
