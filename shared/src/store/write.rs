//! The shapes every write of the store takes: an update of one item, an
//! update that sets only the fields given, and a transaction whose
//! cancellation says, write by write, which condition failed.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use super::{Key, Store, StoreError};

/// Why a transaction wrote nothing.
#[derive(Debug)]
pub(super) enum TransactFailure {
    /// A condition failed or another transaction interfered: the reasons,
    /// one per write, in the order of the writes.
    Cancelled(Vec<CancellationReason>),
    Store(StoreError),
}

impl TransactFailure {
    /// Which writes failed their condition; empty unless cancelled.
    pub fn failed_conditions(&self) -> Vec<bool> {
        match self {
            TransactFailure::Cancelled(reasons) => reasons
                .iter()
                .map(|reason| reason.code() == Some("ConditionalCheckFailed"))
                .collect(),
            TransactFailure::Store(_) => Vec::new(),
        }
    }

    /// Whether the transaction lost a race and may simply be retried.
    pub fn lost_race(&self) -> bool {
        matches!(self, TransactFailure::Cancelled(reasons) if reasons.iter().any(|reason| {
            matches!(reason.code(), Some("ConditionalCheckFailed" | "TransactionConflict"))
        }))
    }

    /// The item as it was when write `index` failed its condition, if the
    /// write asked for it.
    pub fn item_of_failed(&self, index: usize) -> Option<&HashMap<String, AttributeValue>> {
        match self {
            TransactFailure::Cancelled(reasons) => reasons
                .get(index)
                .filter(|reason| reason.code() == Some("ConditionalCheckFailed"))
                .and_then(|reason| reason.item()),
            TransactFailure::Store(_) => None,
        }
    }
}

/// A cancellation the caller has no answer for is a failure of the store.
impl From<TransactFailure> for StoreError {
    fn from(failure: TransactFailure) -> Self {
        match failure {
            TransactFailure::Cancelled(reasons) => {
                let codes: Vec<&str> = reasons
                    .iter()
                    .map(|reason| reason.code().unwrap_or("None"))
                    .collect();
                StoreError::Failed(format!("transaction cancelled: {codes:?}"))
            }
            TransactFailure::Store(err) => err,
        }
    }
}

impl Store {
    /// An UpdateItem of the item at `key`, to complete with its expressions.
    pub(super) fn update(&self, key: &Key) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.item()))
    }

    /// Writes `writes` all or none.
    pub(super) async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), TransactFailure> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) => match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => {
                    Err(TransactFailure::Cancelled(cancel.cancellation_reasons().to_vec()))
                }
                _ => Err(TransactFailure::Store(err.into())),
            },
        }
    }
}

/// Whether a conditional write (PutItem, UpdateItem) applied: `Ok(false)`
/// when its condition failed, an error for anything else.
pub(super) fn condition_held<O, E, R>(result: Result<O, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    Ok(applied(result)?.is_some())
}

/// The output of a conditional write, `None` when its condition failed.
pub(super) fn applied<O, E, R>(result: Result<O, SdkError<E, R>>) -> Result<Option<O>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(output) => Ok(Some(output)),
        Err(err)
            if err.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException") =>
        {
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}

/// A `SET` of the fields whose value is given (and a `REMOVE` of those
/// cleared); the others stay as they are.
#[derive(Debug, Default)]
pub(super) struct SetGiven {
    assignments: Vec<String>,
    removals: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl SetGiven {
    /// Sets `name` to `value`, if there is a value.
    pub fn field(mut self, name: &str, value: Option<AttributeValue>) -> Self {
        if let Some(value) = value {
            let index = self.assignments.len();
            self.assignments.push(format!("#f{index} = :f{index}"));
            self.names.insert(format!("#f{index}"), name.to_owned());
            self.values.insert(format!(":f{index}"), value);
        }
        self
    }

    /// Removes `name`, if `clear`.
    pub fn clear(mut self, name: &str, clear: bool) -> Self {
        if clear {
            let placeholder = format!("#r{}", self.removals.len());
            self.removals.push(placeholder.clone());
            self.names.insert(placeholder, name.to_owned());
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.assignments.is_empty() && self.removals.is_empty()
    }

    fn expression(&self) -> String {
        let mut expression = format!("SET {}", self.assignments.join(", "));
        if !self.removals.is_empty() {
            expression.push_str(&format!(" REMOVE {}", self.removals.join(", ")));
        }
        expression
    }

    /// `update` (an UpdateItem, or an update step of a transaction) with
    /// this `SET` as its update expression.
    pub fn on<U: UpdateExpressions>(self, update: U) -> U {
        let mut update = update.expression(self.expression());
        for (name, field) in self.names {
            update = update.name(name, field);
        }
        for (placeholder, value) in self.values {
            update = update.value(placeholder, value);
        }
        update
    }
}

/// What an UpdateItem request and a transaction's update step both take.
pub(super) trait UpdateExpressions: Sized {
    fn expression(self, expression: String) -> Self;
    fn name(self, placeholder: String, name: String) -> Self;
    fn value(self, placeholder: String, value: AttributeValue) -> Self;
    fn condition(self, condition: String) -> Self;
    /// The item as it was, on a failed condition, to explain the refusal.
    fn old_on_failure(self) -> Self;
}

/// Both builders name the three setters alike.
macro_rules! update_expressions {
    ($($builder:ty),*) => {$(
        impl UpdateExpressions for $builder {
            fn expression(self, expression: String) -> Self {
                self.update_expression(expression)
            }
            fn name(self, placeholder: String, name: String) -> Self {
                self.expression_attribute_names(placeholder, name)
            }
            fn value(self, placeholder: String, value: AttributeValue) -> Self {
                self.expression_attribute_values(placeholder, value)
            }
            fn condition(self, condition: String) -> Self {
                self.condition_expression(condition)
            }
            fn old_on_failure(self) -> Self {
                self.return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            }
        }
    )*};
}

update_expressions!(UpdateItemFluentBuilder, UpdateBuilder);
