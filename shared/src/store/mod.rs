//! The DynamoDB store: one table, single-table design (see `keys`). Every
//! uniqueness rule is a conditional transactional write; nothing scans.

mod apps;
mod bindings;
mod credentials;
mod erasure;
pub mod keys;
mod lockout;
mod nonces;
mod points;
mod qr;
mod rate_limits;
pub mod schema;
mod sealed;
mod sessions;
mod two_factor;
mod users;
mod verification;
mod wechat;
mod write;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, KeysAndAttributes, Put, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

// The records the submodules read and write.
use crate::domain::sealing::Sealer;
use crate::domain::{
    App, AppCard, Binding, PointTotals, TwoFactorState, UnionIdOwner, UnionIdProof, User, WechatAccount,
    WechatSettings,
};

/// Writes DynamoDB takes in one transaction.
const MAX_TRANSACT_ITEMS: usize = 100;

pub use apps::{AppChanges, CreateAppError, NewApp, Resealed};
pub use bindings::{BindError, BindingChange, BindingChangeError, Bound, NewBinding};
pub use credentials::AddressChange;
pub use erasure::Erasure;
pub use keys::{Item, Key};
pub use lockout::Reservation;
pub use points::{BalanceChange, ChangePointsError, EntryNote, PointPage};
pub use qr::{Confirmation, QrError, Scanner};
pub use sessions::Started;
pub use two_factor::{EndingOthers, EnrolmentStart};
pub use users::{CreateUserError, NewUser, ProfileChanges, UserPage};
pub use verification::{CheckedCode, CodeTry};
pub use wechat::{CredentialId, SharedCredential};

/// The most keys one BatchGetItem may ask for.
const MAX_BATCH_KEYS: i32 = 100;

/// A store failure that is not an expected outcome of the operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Throttled, timed out or a server fault, after the SDK's retries.
    #[error("DynamoDB unavailable: {0}")]
    Unavailable(String),
    #[error("DynamoDB request failed: {0}")]
    Failed(String),
}

impl From<StoreError> for crate::domain::Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "data store unavailable after retries");
                Self::new(
                    crate::domain::ErrorKind::Unavailable,
                    "The data store is busy; retry the request in a moment.",
                )
            }
            StoreError::Failed(cause) => Self::internal(cause),
        }
    }
}

impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    fn from(err: SdkError<E, R>) -> Self {
        let transient = match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(service) => matches!(
                service.err().code(),
                Some(
                    "ThrottlingException"
                        | "ProvisionedThroughputExceededException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                        | "TransactionConflictException"
                        | "TransactionInProgressException"
                )
            ),
            _ => false,
        };
        // A service error's code and message say it all; the rest of the
        // context (the raw HTTP response) only for transport failures.
        let text = match err.as_service_error() {
            Some(service) => format!(
                "{}: {}",
                service.code().unwrap_or("unknown error"),
                service.message().unwrap_or("no message")
            ),
            None => DisplayErrorContext(&err).to_string(),
        };
        if transient {
            StoreError::Unavailable(text)
        } else {
            StoreError::Failed(text)
        }
    }
}

impl From<aws_sdk_dynamodb::error::BuildError> for StoreError {
    fn from(err: aws_sdk_dynamodb::error::BuildError) -> Self {
        StoreError::Failed(err.to_string())
    }
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(err: serde_dynamo::Error) -> Self {
        StoreError::Failed(format!("item does not match its model: {err}"))
    }
}

/// Access to the table. Cheap to clone: the client and the memo are shared.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
    /// App key → app id, as read from the keys' guards (see `app_id_by_key`).
    app_ids: Arc<RwLock<HashMap<String, u64>>>,
    /// Seals the secrets items keep (see `sealed`); none until `with_sealing`.
    sealer: Option<Arc<Sealer>>,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            app_ids: Arc::default(),
            sealer: None,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Every item of `partition` whose sort key begins with `prefix`, all
    /// pages, strongly consistent.
    pub(super) async fn query_prefix(&self, partition: &str, prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_items(partition, Some(prefix)).await
    }

    /// Every item of `partition` (whose sort key begins with `prefix`, if
    /// given), all pages, strongly consistent.
    pub(super) async fn query_items(
        &self,
        partition: &str,
        prefix: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_values(":pk", text(partition))
                .set_exclusive_start_key(start)
                .consistent_read(true);
            let query = match prefix {
                Some(prefix) => query
                    .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                    .expression_attribute_values(":prefix", text(prefix)),
                None => query.key_condition_expression("pk = :pk"),
            };
            let output = query.send().await?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// One strongly consistent read of one item.
    async fn get<T: DeserializeOwned>(&self, key: &Key) -> Result<Option<T>, StoreError> {
        self.get_item(key)
            .await?
            .map(serde_dynamo::from_item)
            .transpose()
            .map_err(Into::into)
    }

    /// One strongly consistent read of one item, undecoded.
    async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .consistent_read(true)
            .send()
            .await?;
        Ok(output.item)
    }

    /// Strongly consistent reads of several items in one request (at most
    /// `MAX_BATCH_KEYS`). Missing
    /// items are absent from the map, which is keyed by (pk, sk).
    async fn get_many(&self, keys: &[Key]) -> Result<HashMap<(String, String), Item>, StoreError> {
        let mut found = HashMap::new();
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys.iter().map(Key::item).collect()))
                .consistent_read(true)
                .build()?,
        );
        // DynamoDB may leave keys unprocessed under load; ask again for those.
        while let Some(request) = pending.take() {
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await?;
            for item in output
                .responses
                .unwrap_or_default()
                .remove(&self.table)
                .unwrap_or_default()
            {
                if let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) =
                    (item.get(keys::PK), item.get(keys::SK))
                {
                    found.insert((pk.clone(), sk.clone()), item);
                }
            }
            pending = output
                .unprocessed_keys
                .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                .filter(|rest| !rest.keys().is_empty());
        }
        Ok(found)
    }

    /// The item of `key` from a `get_many` answer, decoded.
    fn take<T: DeserializeOwned>(
        found: &mut HashMap<(String, String), Item>,
        key: &Key,
    ) -> Result<Option<T>, StoreError> {
        found
            .remove(&(key.pk.clone(), key.sk.clone()))
            .map(serde_dynamo::from_item)
            .transpose()
            .map_err(Into::into)
    }

    /// The app item of `key` from a `get_many` answer, its secrets opened.
    fn take_app(
        &self,
        found: &mut HashMap<(String, String), Item>,
        key: &Key,
    ) -> Result<Option<App>, StoreError> {
        found
            .remove(&(key.pk.clone(), key.sk.clone()))
            .map(|item| self.app_of(item, key))
            .transpose()
    }

    /// The app and one other item, in one request.
    async fn app_and<T: DeserializeOwned>(
        &self,
        app_id: u64,
        key: &Key,
    ) -> Result<(Option<App>, Option<T>), StoreError> {
        let app_key = keys::app(app_id);
        let mut found = self.get_many(&[app_key.clone(), key.clone()]).await?;
        Ok((self.take_app(&mut found, &app_key)?, Self::take(&mut found, key)?))
    }

    /// Increments a counter item and returns its new value.
    async fn next_in_sequence(&self, key: &Key) -> Result<u64, StoreError> {
        let output = self
            .update(key)
            .update_expression("ADD #next :one")
            .expression_attribute_names("#next", "next")
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await?;
        output
            .attributes
            .and_then(|mut attributes| attributes.remove("next"))
            .and_then(|value| value.as_n().ok().and_then(|n| n.parse().ok()))
            .ok_or_else(|| StoreError::Failed(format!("counter {} returned no number", key.pk)))
    }
}

/// A model as an item under `key`, with any extra attributes (index keys).
fn item_of<T: Serialize>(key: &Key, value: &T, extra: &[(&str, String)]) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(value)?;
    item.extend(key.item());
    for (name, text) in extra {
        item.insert((*name).to_owned(), AttributeValue::S(text.clone()));
    }
    Ok(item)
}

/// A transaction step writing `item` if `condition` holds.
fn put_if(table: &str, item: Item, condition: &str) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression(condition)
                .build()?,
        )
        .build())
}

/// A transaction step deleting `key` if `condition`, over `values`, holds.
fn delete_if(
    table: &str,
    key: &Key,
    condition: &str,
    values: HashMap<String, AttributeValue>,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .delete(
            Delete::builder()
                .table_name(table)
                .set_key(Some(key.item()))
                .condition_expression(condition)
                .set_expression_attribute_values((!values.is_empty()).then_some(values))
                .build()?,
        )
        .build())
}

fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn boolean(b: bool) -> AttributeValue {
    AttributeValue::Bool(b)
}

fn text(s: impl Into<String>) -> AttributeValue {
    AttributeValue::S(s.into())
}
