//! Two-factor state on the user item. Every change is one conditional
//! UpdateItem on the sealed secret as read, so a concurrent enrolment or a
//! second use of the same code cannot slip in between read and write. A
//! sign-in spends its code with the lockout's writes (`lockout.rs`).

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::write::condition_held;
use super::{Store, StoreError, keys, number, text};

/// How starting an enrolment went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentStart {
    Started,
    /// Two-factor sign-in is on already.
    AlreadyOn,
    UserGone,
}

/// A time step is accepted only if it is newer than the last accepted one.
pub(super) const NEWER_STEP: &str = "(attribute_not_exists(totpLastStep) OR totpLastStep < :step)";

impl Store {
    /// Keeps `sealed` as the user's pending secret, replacing any earlier
    /// pending one, unless two-factor sign-in is on.
    pub async fn start_two_factor_enrolment(
        &self,
        app_id: u64,
        user_id: u64,
        sealed: &str,
    ) -> Result<EnrolmentStart, StoreError> {
        let result = self
            .update(&keys::user(app_id, user_id))
            .update_expression("SET totpPending = :pending")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(totpSecret)")
            .expression_attribute_values(":pending", text(sealed))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(EnrolmentStart::Started),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(if failed.item.is_some() {
                        EnrolmentStart::AlreadyOn
                    } else {
                        EnrolmentStart::UserGone
                    })
                }
                _ => Err(err.into()),
            },
        }
    }

    /// Turns two-factor sign-in on with the pending secret `pending` (as
    /// read), whose code of `step` the user just gave, and gives back the
    /// user's attempts (`Credential::User`). `Ok(false)`: the enrolment
    /// changed meanwhile.
    pub async fn turn_on_two_factor(
        &self,
        app_id: u64,
        user_id: u64,
        pending: &str,
        step: u64,
        ending: EndingOthers<'_>,
    ) -> Result<bool, StoreError> {
        self.update_two_factor(
            app_id,
            user_id,
            (
                "SET totpSecret = :pending, totpLastStep = :step",
                "REMOVE totpPending, attempts, attemptsSince",
            ),
            "totpPending = :pending AND attribute_not_exists(totpSecret)",
            (":pending", pending),
            step,
            ending,
        )
        .await
    }

    /// Turns two-factor sign-in off, given a fresh code of `step` for the
    /// secret `secret` (as read), and gives back the user's attempts.
    /// `Ok(false)`: the code was used already or the secret changed meanwhile.
    pub async fn turn_off_two_factor(
        &self,
        app_id: u64,
        user_id: u64,
        secret: &str,
        step: u64,
        ending: EndingOthers<'_>,
    ) -> Result<bool, StoreError> {
        self.update_two_factor(
            app_id,
            user_id,
            (
                "SET totpLastStep = :step",
                "REMOVE totpSecret, totpPending, attempts, attemptsSince",
            ),
            &format!("totpSecret = :secret AND {NEWER_STEP}"),
            (":secret", secret),
            step,
            ending,
        )
        .await
    }

    /// Turns two-factor sign-in off without a code, for an operator helping
    /// a user who lost their authenticator, and ends all their sessions in
    /// the same write: whoever holds the authenticator signs in nowhere.
    /// `Ok(false)`: no such user.
    pub async fn reset_two_factor(&self, app_id: u64, user_id: u64, now: i64) -> Result<bool, StoreError> {
        condition_held(
            self.update(&keys::user(app_id, user_id))
                .update_expression("SET sessionsEndedAt = :now REMOVE totpSecret, totpPending, sessions")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":now", number(now))
                .send()
                .await,
        )
    }

    /// One change of two-factor state (`set` and `remove` clauses), which
    /// also ends every session of the user but `ending.keep`: the live set
    /// becomes that one session, in the same write.
    #[allow(clippy::too_many_arguments)]
    async fn update_two_factor(
        &self,
        app_id: u64,
        user_id: u64,
        (set, remove): (&str, &str),
        condition: &str,
        (name, sealed): (&str, &str),
        step: u64,
        ending: EndingOthers<'_>,
    ) -> Result<bool, StoreError> {
        let mut request = self
            .update(&keys::user(app_id, user_id))
            .condition_expression(condition)
            .expression_attribute_values(name, text(sealed))
            .expression_attribute_values(":step", number(step))
            .expression_attribute_values(":now", number(ending.now));
        let update = match ending.keep {
            Some(kept) => {
                request =
                    request.expression_attribute_values(":kept", AttributeValue::Ss(vec![kept.to_owned()]));
                format!("{set}, sessionsEndedAt = :now, sessions = :kept {remove}")
            }
            None => format!("{set}, sessionsEndedAt = :now {remove}, sessions"),
        };
        condition_held(request.update_expression(update).send().await)
    }
}

/// The sessions a two-factor change ends: all of the user's but `keep`
/// (the caller's, which made the change), as of `now`.
#[derive(Debug, Clone, Copy)]
pub struct EndingOthers<'a> {
    pub keep: Option<&'a str>,
    pub now: i64,
}
