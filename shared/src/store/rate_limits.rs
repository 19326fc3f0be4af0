//! Counters of per-minute allowances: one item per (app, what is counted,
//! minute), incremented with one UpdateItem, which is atomic however many
//! instances count at once. Past minutes expire through TTL.

use aws_sdk_dynamodb::types::ReturnValue;

use super::{Store, StoreError, keys, number};
use crate::domain::rate_limit::Window;

/// How long past its minute a counter is kept, for instances whose clocks
/// differ a little.
const COUNTER_MARGIN_SECONDS: i64 = 60;

impl Store {
    /// Counts one more request against `counted` of `app_id` in `window`
    /// and returns how many the window has had, this one included.
    pub async fn count_request(&self, app_id: u64, counted: &str, window: Window) -> Result<u64, StoreError> {
        let output = self
            .update(&keys::rate_counter(app_id, counted, window))
            .update_expression("ADD #count :one SET #ttl = :ttl")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#ttl", keys::TTL)
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":ttl", number(window.end() + COUNTER_MARGIN_SECONDS))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await?;
        let count = output
            .attributes
            .as_ref()
            .and_then(|attributes| attributes.get("count"))
            .and_then(|count| count.as_n().ok())
            .and_then(|count| count.parse().ok())
            .ok_or_else(|| StoreError::Failed("a rate counter came back without its count".to_owned()))?;
        Ok(count)
    }
}
