//! Spent nonces of signed requests: one item per (app, nonce), written
//! only if absent, so of any number of requests with one nonce, at any
//! number of instances, one is accepted.

use super::write::condition_held;
use super::{Store, StoreError, keys, number};

impl Store {
    /// Spends `nonce` of `app_id`, to be remembered until `expires_at`;
    /// false when it was spent already. An item whose expiry passed but
    /// that TTL has not deleted yet counts as gone.
    pub async fn spend_nonce(
        &self,
        app_id: u64,
        nonce: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut item = keys::nonce(app_id, nonce).item();
        item.insert(keys::TTL.to_owned(), number(expires_at));
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #ttl < :now")
            .expression_attribute_names("#ttl", keys::TTL)
            .expression_attribute_values(":now", number(now))
            .send()
            .await;
        condition_held(put)
    }
}
