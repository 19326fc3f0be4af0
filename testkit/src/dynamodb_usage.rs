//! What each function asks of DynamoDB, as IAM authorises it: an SDK
//! interceptor on the function's own client (never the fixture's) records
//! every (IAM action, partition-key prefix, index) the tests make it send.
//! With `DYNAMODB_USAGE_DIR` set (`make test` sets it) each test process
//! appends what it saw to `<dir>/<function>.txt`; the contract test
//! `least_privilege` compares the whole suite's record with the function's
//! policy in template.yaml.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemInput;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemInput;
use aws_sdk_dynamodb::operation::get_item::GetItemInput;
use aws_sdk_dynamodb::operation::put_item::PutItemInput;
use aws_sdk_dynamodb::operation::query::QueryInput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::interceptors::context::Input;
use oauthapp_shared::store::Item;
use oauthapp_shared::store::keys;

/// The variable naming the directory of the records.
pub const USAGE_DIR: &str = "DYNAMODB_USAGE_DIR";

/// One line of a record: `dynamodb:<Action> <prefix> <index or ->`.
pub fn usage_line(action: &str, prefix: &str, index: Option<&str>) -> String {
    format!("dynamodb:{action} {prefix} {}", index.unwrap_or("-"))
}

/// The part of a partition key IAM policies name: up to its first `#`.
fn prefix(partition_key: &str) -> &str {
    partition_key.split('#').next().unwrap_or(partition_key)
}

fn item_prefix(item: &Item) -> String {
    match item.get(keys::PK) {
        Some(AttributeValue::S(pk)) => prefix(pk).to_owned(),
        _ => "?".to_owned(),
    }
}

#[derive(Debug, Clone)]
pub struct UsageRecorder {
    function: String,
    seen: Arc<Mutex<BTreeSet<String>>>,
}

impl UsageRecorder {
    /// The recorder of the function whose tests run: the package under test.
    pub fn of_package_under_test() -> Self {
        Self {
            function: std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "unknown".to_owned()),
            seen: Arc::default(),
        }
    }

    fn record(&self, line: String) {
        let Some(dir) = std::env::var_os(USAGE_DIR).map(PathBuf::from) else {
            return;
        };
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !seen.insert(line.clone()) {
            return;
        }
        std::fs::create_dir_all(&dir).expect("the usage directory");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{}.txt", self.function)))
            .expect("the usage record");
        // One write per line: appends of test processes running at once never interleave.
        file.write_all(format!("{line}\n").as_bytes())
            .expect("writing the usage record");
    }
}

/// The (action, prefix, index) of each item a request touches.
fn usages(input: &Input) -> Vec<String> {
    if let Some(get) = input.downcast_ref::<GetItemInput>() {
        return vec![usage_line("GetItem", &key_prefix(get.key()), None)];
    }
    if let Some(put) = input.downcast_ref::<PutItemInput>() {
        return vec![usage_line("PutItem", &key_prefix(put.item()), None)];
    }
    if let Some(update) = input.downcast_ref::<UpdateItemInput>() {
        return vec![usage_line("UpdateItem", &key_prefix(update.key()), None)];
    }
    if let Some(delete) = input.downcast_ref::<DeleteItemInput>() {
        return vec![usage_line("DeleteItem", &key_prefix(delete.key()), None)];
    }
    if let Some(query) = input.downcast_ref::<QueryInput>() {
        return vec![usage_line("Query", &query_prefix(query), query.index_name())];
    }
    if let Some(batch) = input.downcast_ref::<BatchGetItemInput>() {
        return batch
            .request_items()
            .into_iter()
            .flat_map(|tables| tables.values())
            .flat_map(|wanted| wanted.keys())
            .map(|key| usage_line("BatchGetItem", &item_prefix(key), None))
            .collect();
    }
    if let Some(transaction) = input.downcast_ref::<TransactWriteItemsInput>() {
        return transaction
            .transact_items()
            .iter()
            .filter_map(|write| {
                if let Some(put) = write.put() {
                    Some(usage_line("PutItem", &item_prefix(put.item()), None))
                } else if let Some(update) = write.update() {
                    Some(usage_line("UpdateItem", &item_prefix(update.key()), None))
                } else if let Some(delete) = write.delete() {
                    Some(usage_line("DeleteItem", &item_prefix(delete.key()), None))
                } else {
                    write
                        .condition_check()
                        .map(|check| usage_line("ConditionCheckItem", &item_prefix(check.key()), None))
                }
            })
            .collect();
    }
    // Anything else (a Scan, a batch write, table management) is a usage no
    // policy grants: recorded as such, so the contract test names it.
    vec![usage_line("Unrecognised", "?", None)]
}

fn key_prefix(key: Option<&Item>) -> String {
    key.map_or_else(|| "?".to_owned(), item_prefix)
}

/// The partition-key value of a Query: the value its key condition's first
/// comparison names (`<partition key> = :value AND …`).
fn query_prefix(query: &QueryInput) -> String {
    let placeholder = query
        .key_condition_expression()
        .and_then(|condition| condition.split(" = ").nth(1))
        .and_then(|rest| rest.split_whitespace().next());
    match placeholder.and_then(|name| query.expression_attribute_values()?.get(name)) {
        Some(AttributeValue::S(value)) => prefix(value).to_owned(),
        _ => "?".to_owned(),
    }
}

impl Intercept for UsageRecorder {
    fn name(&self) -> &'static str {
        "UsageRecorder"
    }

    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        for line in usages(context.input()) {
            self.record(line);
        }
        Ok(())
    }
}
