//! Points: each change writes the user's new totals and its log entry in one
//! transaction, conditioned on the entry count it read, so concurrent changes
//! are serialised and the balance always equals the sum of the log.

use std::time::Duration;

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use rand::RngExt;

use super::{Store, StoreError, item_of, keys, number, put_if, text};
use crate::domain::points::{self, PointRuleError};
use crate::domain::{PointEntry, PointKind};

/// Attempts before a change that keeps losing races gives up.
const MAX_ATTEMPTS: u32 = 50;

#[derive(Debug, thiserror::Error)]
pub enum ChangePointsError {
    #[error("no such user")]
    UserNotFound,
    #[error(
        "the change must be a non-zero amount of at most {} points",
        points::MAX_CHANGE
    )]
    InvalidAmount,
    #[error("the balance is {balance}, less than the {needed} points to consume")]
    InsufficientBalance { balance: i64, needed: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PointRuleError> for ChangePointsError {
    fn from(err: PointRuleError) -> Self {
        match err {
            PointRuleError::InvalidAmount => Self::InvalidAmount,
            PointRuleError::InsufficientBalance { balance, needed } => {
                Self::InsufficientBalance { balance, needed }
            }
        }
    }
}

/// One page of a user's point log, newest first, and how many entries of
/// the requested kind there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointPage {
    pub total: u64,
    pub entries: Vec<PointEntry>,
}

impl Store {
    /// Adds `amount` (negative to consume) to the user's balance with a log
    /// entry; returns the new balance. A consumption beyond the balance
    /// writes nothing.
    pub async fn change_points(
        &self,
        app_id: u64,
        user_id: u64,
        amount: i64,
        remark: &str,
        now: i64,
    ) -> Result<i64, ChangePointsError> {
        points::check_amount(amount)?;
        let user_key = keys::user(app_id, user_id);
        for _ in 0..MAX_ATTEMPTS {
            let user = self
                .user(app_id, user_id)
                .await?
                .ok_or(ChangePointsError::UserNotFound)?;
            let totals = user.points;
            let points::PointChange {
                kind,
                balance,
                sequence,
                kind_count,
            } = points::change(totals, amount)?;
            let kind_attribute = match kind {
                PointKind::Recharge => "pointRecharges",
                PointKind::Consume => "pointConsumptions",
            };
            let entry = PointEntry {
                id: sequence,
                user_id,
                used: amount,
                remark: remark.to_owned(),
                created_at: now,
            };
            let entry_item = item_of(
                &keys::point_entry(app_id, user_id, sequence),
                &entry,
                &[(keys::LSI1_SK, keys::point_entry_of_kind(kind as u8, kind_count))],
            )?;
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(user_key.item()))
                .update_expression(
                    "SET pointBalance = :balance, pointEntries = :sequence, #kind = :kindCount",
                )
                .condition_expression("pointEntries = :seen")
                .expression_attribute_names("#kind", kind_attribute)
                .expression_attribute_values(":balance", number(balance))
                .expression_attribute_values(":sequence", number(sequence))
                .expression_attribute_values(":kindCount", number(kind_count))
                .expression_attribute_values(":seen", number(totals.point_entries))
                .build()
                .map_err(StoreError::from)?;
            let writes = vec![
                TransactWriteItem::builder().update(update).build(),
                put_if(&self.table, entry_item, "attribute_not_exists(sk)")?,
            ];
            match self.transact(writes).await {
                Ok(()) => return Ok(balance),
                // Another change won the race: read again and retry.
                Err(failure) if failure.lost_race() => {}
                Err(failure) => return Err(StoreError::from(failure).into()),
            }
            let pause = rand::rng().random_range(2..20);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        Err(StoreError::Unavailable(format!("points of user {user_id} kept changing")).into())
    }

    /// Entries `skip..skip + take` of the user's log, newest first, of one
    /// kind or all; `None` when there is no such user. Entries are numbered
    /// per kind, so a page is one range query however far it skips.
    pub async fn point_log(
        &self,
        app_id: u64,
        user_id: u64,
        kind: Option<PointKind>,
        skip: u64,
        take: u32,
    ) -> Result<Option<PointPage>, StoreError> {
        let Some(user) = self.user(app_id, user_id).await? else {
            return Ok(None);
        };
        let totals = user.points;
        let total = match kind {
            None => totals.point_entries,
            Some(PointKind::Recharge) => totals.point_recharges,
            Some(PointKind::Consume) => totals.point_consumptions,
        };
        if skip >= total || take == 0 {
            return Ok(Some(PointPage {
                total,
                entries: Vec::new(),
            }));
        }
        let newest = total - skip;
        let oldest = newest.saturating_sub(u64::from(take) - 1).max(1);
        let (index, sort_key, low, high) = match kind {
            None => (
                None,
                keys::SK,
                keys::point_sort_key(oldest),
                keys::point_sort_key(newest),
            ),
            Some(kind) => (
                Some(keys::LSI1),
                keys::LSI1_SK,
                keys::point_entry_of_kind(kind as u8, oldest),
                keys::point_entry_of_kind(kind as u8, newest),
            ),
        };
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(str::to_owned))
            .key_condition_expression("pk = :pk AND #sort BETWEEN :low AND :high")
            .expression_attribute_names("#sort", sort_key)
            .expression_attribute_values(":pk", text(keys::user_partition(app_id, user_id)))
            .expression_attribute_values(":low", text(low))
            .expression_attribute_values(":high", text(high))
            .scan_index_forward(false)
            .consistent_read(true)
            .send()
            .await?;
        let entries = serde_dynamo::from_items(output.items.unwrap_or_default())?;
        Ok(Some(PointPage { total, entries }))
    }
}
