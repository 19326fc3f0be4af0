//! Verification codes and the address guards they are checked against. A
//! code item is replaced by each new code, deleted by its use (a conditional
//! delete, so a code works once however many requests bring it at once),
//! and removed by TTL once expired.

use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem};

use super::{Store, StoreError, delete_if, keys, number, text};
use crate::domain::verification::{Purpose, Recipient, StoredCode};

/// How long past its expiry a code item is kept, for clocks that differ.
const CODE_MARGIN_SECONDS: i64 = 300;

/// The condition under which a checked code may be used: still the code
/// checked (not replaced), not expired.
const USABLE: &str = "codeHash = :hash AND expiresAt > :now";

/// A code whose try was reserved and whose hash matched, to be spent: by
/// itself (`Store::use_code`) or in the transaction of what it allows.
#[derive(Debug, Clone)]
pub struct CheckedCode {
    pub app_id: u64,
    pub purpose: Purpose,
    pub recipient: Recipient,
    pub code_hash: String,
    pub checked_at: i64,
}

impl CheckedCode {
    fn values(&self) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
        [
            (":hash".to_owned(), text(self.code_hash.clone())),
            (":now".to_owned(), number(self.checked_at)),
        ]
        .into()
    }
}

/// How reserving a try went.
#[derive(Debug)]
pub enum CodeTry {
    /// The try counts; the code as it now stands, to compare with.
    Reserved(StoredCode),
    /// No try is left for the code, as it was (none: no code at all).
    Refused(Option<StoredCode>),
}

impl Store {
    /// Stores `code` as the one to check for (app, purpose, recipient),
    /// replacing any earlier one and its tries.
    pub async fn put_code(
        &self,
        app_id: u64,
        purpose: Purpose,
        recipient: &Recipient,
        code: &StoredCode,
    ) -> Result<(), StoreError> {
        let key = keys::verification_code(app_id, purpose, recipient);
        let mut item: super::Item = serde_dynamo::to_item(code)?;
        item.extend(key.item());
        item.insert(
            keys::TTL.to_owned(),
            number(code.expires_at + CODE_MARGIN_SECONDS),
        );
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await?;
        Ok(())
    }

    /// Reserves one try of the code for (app, purpose, recipient), unless
    /// it is missing, expired at `now` or has had `max_tries`: one
    /// conditional UpdateItem, which also returns the code.
    pub async fn reserve_code_try(
        &self,
        app_id: u64,
        purpose: Purpose,
        recipient: &Recipient,
        now: i64,
        max_tries: u32,
    ) -> Result<CodeTry, StoreError> {
        let result = self
            .update(&keys::verification_code(app_id, purpose, recipient))
            .update_expression("ADD tries :one")
            .condition_expression(
                "attribute_exists(codeHash) AND expiresAt > :now AND (attribute_not_exists(tries) OR tries < :max)",
            )
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":now", number(now))
            .expression_attribute_values(":max", number(max_tries))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => Ok(CodeTry::Reserved(serde_dynamo::from_item(
                output.attributes.unwrap_or_default(),
            )?)),
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => Ok(CodeTry::Refused(
                    failed
                        .item
                        .clone()
                        .filter(|item| item.contains_key("codeHash"))
                        .map(serde_dynamo::from_item)
                        .transpose()?,
                )),
                _ => Err(err.into()),
            },
        }
    }

    /// Spends `checked` on its own: true if this request used it, false if
    /// another used it first, replaced it, or it became unusable meanwhile.
    pub async fn use_code(&self, checked: &CheckedCode) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(
                keys::verification_code(checked.app_id, checked.purpose, &checked.recipient).item(),
            ))
            .condition_expression(USABLE)
            .set_expression_attribute_values(Some(checked.values()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Spending `checked`, as one write of a transaction: the transaction
    /// fails if the code was used, replaced or voided meanwhile.
    pub(super) fn code_use(&self, checked: &CheckedCode) -> Result<TransactWriteItem, StoreError> {
        delete_if(
            &self.table,
            &keys::verification_code(checked.app_id, checked.purpose, &checked.recipient),
            USABLE,
            checked.values(),
        )
    }

    /// The user whose verified address `recipient` is, if any.
    pub async fn address_owner(&self, app_id: u64, recipient: &Recipient) -> Result<Option<u64>, StoreError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Guard {
            user_id: Option<u64>,
        }
        let guard: Option<Guard> = self.get(&keys::address(app_id, recipient)).await?;
        Ok(guard.and_then(|guard| guard.user_id))
    }
}
