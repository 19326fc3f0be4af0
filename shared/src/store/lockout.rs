//! Sign-in lockout per credential: `threshold` failures within `window`
//! lock it until `window` after the failure that reached the threshold. The
//! state lives on the credential's item and is written optimistically, so
//! concurrent failures are all counted.

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{Key, Store, StoreError, keys, number};
use crate::domain::Login;
use crate::domain::lockout::{Credential, LockoutPolicy, LockoutState, after_failure};

/// The item whose lockout state `credential` shares.
fn credential_key(credential: &Credential<'_>, app_id: u64) -> Key {
    {
        match credential {
            Credential::UserName(name) => keys::login(app_id, name),
            Credential::UnionId { platform, union_id } => keys::union_id(app_id, platform, union_id),
        }
    }
}

/// Attempts at an optimistic write before giving up.
const MAX_ATTEMPTS: usize = 10;

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
        let key = credential_key(&credential, app_id);
        let (mut state, mut registered) = (seen.unwrap_or_default(), registered);
        for _ in 0..MAX_ATTEMPTS {
            let next = after_failure(&state, policy, now);
            let mut update = "SET failures = :failures, lockedUntil = :until, lockVersion = :next".to_owned();
            let mut request = self
                .update(&key)
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
        self
            .update(&credential_key(&credential, app_id))
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
