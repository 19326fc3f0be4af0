//! Points and the v1 currencies: each change writes the user's new totals
//! and its log entry in one transaction, conditioned on the entry count it
//! read, so concurrent changes are serialised and a balance always equals
//! the sum of its log. The points' totals are the user item's; another
//! currency's are its balance item's, under the same attribute names.

use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem, Update};
use rand::RngExt;
use serde::Deserialize;

use super::{Store, StoreError, item_of, keys, number, put_if, text};
use crate::domain::points::{self, PointRuleError};
use crate::domain::{PointEntry, PointKind, PointTotals};

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

/// One change of a ledger transaction: `amount` of `currency`, negative to
/// take.
#[derive(Debug, Clone, Copy)]
pub struct BalanceChange<'a> {
    pub currency: &'a str,
    pub amount: i64,
}

/// What a log entry records besides its amount.
#[derive(Debug, Clone, Default)]
pub struct EntryNote {
    pub remark: String,
    pub description: Option<String>,
    pub tags: Option<String>,
}

/// A user's totals of one currency, as stored on their balance item.
#[derive(Debug, Deserialize)]
struct BalanceItem {
    #[serde(flatten)]
    totals: PointTotals,
}

impl Store {
    /// Adds `amount` (negative to consume) to the user's points with a log
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
        let change = BalanceChange {
            currency: points::POINTS_CURRENCY,
            amount,
        };
        let note = EntryNote {
            remark: remark.to_owned(),
            ..EntryNote::default()
        };
        let balances = self
            .change_balances(app_id, user_id, &[change], &note, now)
            .await?;
        Ok(balances[0])
    }

    /// Applies `changes` (one, or the two sides of an exchange, of distinct
    /// currencies) to the user's balances, each with its log entry, in one
    /// transaction conditioned on the entry counts read, retried when
    /// another change won the race; returns the new balances. A change
    /// that would take a balance below zero writes nothing at all.
    pub async fn change_balances(
        &self,
        app_id: u64,
        user_id: u64,
        changes: &[BalanceChange<'_>],
        note: &EntryNote,
        now: i64,
    ) -> Result<Vec<i64>, ChangePointsError> {
        for change in changes {
            points::check_amount(change.amount)?;
        }
        let touches_user = changes
            .iter()
            .any(|change| change.currency == points::POINTS_CURRENCY);
        for _ in 0..MAX_ATTEMPTS {
            let mut seen = Vec::new();
            for change in changes {
                seen.push(self.currency_totals(app_id, user_id, change.currency).await?);
            }
            let mut writes = Vec::new();
            let mut balances = Vec::new();
            for (change, totals) in changes.iter().zip(seen) {
                let totals = totals.ok_or(ChangePointsError::UserNotFound)?;
                let (write, entry, balance) =
                    self.change_write(app_id, user_id, *change, totals, note, changes.len() > 1, now)?;
                writes.extend([write, entry]);
                balances.push(balance);
            }
            // A balance item must not outlive (or precede) its user.
            if !touches_user {
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(keys::user(app_id, user_id).item()))
                    .condition_expression("attribute_exists(pk)")
                    .build()
                    .map_err(StoreError::from)?;
                writes.push(TransactWriteItem::builder().condition_check(check).build());
            }
            let user_check = writes.len() - 1;
            match self.transact(writes).await {
                Ok(()) => return Ok(balances),
                Err(failure)
                    if !touches_user && failure.failed_conditions().get(user_check) == Some(&true) =>
                {
                    return Err(ChangePointsError::UserNotFound);
                }
                // Another change won the race: read again and retry.
                Err(failure) if failure.lost_race() => {}
                Err(failure) => return Err(StoreError::from(failure).into()),
            }
            let pause = rand::rng().random_range(2..20);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        Err(StoreError::Unavailable(format!("balances of user {user_id} kept changing")).into())
    }

    /// The user's totals of `currency` (none yet reads as zero); `None`
    /// only when the points' user is gone.
    async fn currency_totals(
        &self,
        app_id: u64,
        user_id: u64,
        currency: &str,
    ) -> Result<Option<PointTotals>, StoreError> {
        if currency == points::POINTS_CURRENCY {
            return Ok(self.user(app_id, user_id).await?.map(|user| user.points));
        }
        let item: Option<BalanceItem> = self
            .get(&keys::currency_balance(app_id, user_id, currency))
            .await?;
        Ok(Some(item.map(|item| item.totals).unwrap_or_default()))
    }

    /// The update of one balance, conditioned on the entry count read, and
    /// its entry's put; and the new balance.
    #[allow(clippy::too_many_arguments)]
    fn change_write(
        &self,
        app_id: u64,
        user_id: u64,
        change: BalanceChange<'_>,
        totals: PointTotals,
        note: &EntryNote,
        exchange: bool,
        now: i64,
    ) -> Result<(TransactWriteItem, TransactWriteItem, i64), ChangePointsError> {
        let BalanceChange { currency, amount } = change;
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
        let is_points = currency == points::POINTS_CURRENCY;
        let entry = PointEntry {
            id: sequence,
            user_id,
            used: amount,
            remark: note.remark.clone(),
            created_at: now,
            currency: (!is_points).then(|| currency.to_owned()),
            description: note.description.clone(),
            tags: note.tags.clone(),
            balance: Some(balance),
            exchange: exchange.then_some(true),
        };
        let entry_item = item_of(
            &keys::currency_entry(app_id, user_id, currency, sequence),
            &entry,
            &[(
                keys::LSI1_SK,
                keys::currency_entry_of_kind(currency, kind as u8, kind_count),
            )],
        )?;
        // The points' totals are the user item's; a first change of another
        // currency creates its balance item.
        let (key, condition) = if is_points {
            (keys::user(app_id, user_id), "pointEntries = :seen")
        } else if totals.point_entries == 0 {
            (
                keys::currency_balance(app_id, user_id, currency),
                "attribute_not_exists(pointEntries) OR pointEntries = :seen",
            )
        } else {
            (
                keys::currency_balance(app_id, user_id, currency),
                "pointEntries = :seen",
            )
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.item()))
            .update_expression("SET pointBalance = :balance, pointEntries = :sequence, #kind = :kindCount")
            .condition_expression(condition)
            .expression_attribute_names("#kind", kind_attribute)
            .expression_attribute_values(":balance", number(balance))
            .expression_attribute_values(":sequence", number(sequence))
            .expression_attribute_values(":kindCount", number(kind_count))
            .expression_attribute_values(":seen", number(totals.point_entries))
            .build()
            .map_err(StoreError::from)?;
        Ok((
            TransactWriteItem::builder().update(update).build(),
            put_if(&self.table, entry_item, "attribute_not_exists(sk)")?,
            balance,
        ))
    }

    /// The user's balances of currencies other than the points, by code,
    /// in one Query of their balance items.
    pub async fn currency_balances(
        &self,
        app_id: u64,
        user_id: u64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let items = self
            .query_prefix(
                &keys::user_partition(app_id, user_id),
                keys::CURRENCY_BALANCE_PREFIX,
            )
            .await?;
        Ok(items
            .into_iter()
            .filter_map(|item| {
                let code = match item.get(keys::SK) {
                    Some(AttributeValue::S(sk)) => sk.strip_prefix(keys::CURRENCY_BALANCE_PREFIX)?.to_owned(),
                    _ => return None,
                };
                let totals: BalanceItem = serde_dynamo::from_item(item).ok()?;
                Some((code, totals.totals.point_balance))
            })
            .collect())
    }

    /// Every entry of the user's log of `currency`, or of all their
    /// currencies, in no particular order: the v1 transaction list filters
    /// by time and type, which no key orders, so it reads the whole log.
    pub async fn currency_log(
        &self,
        app_id: u64,
        user_id: u64,
        currency: Option<&str>,
    ) -> Result<Vec<PointEntry>, StoreError> {
        let partition = keys::user_partition(app_id, user_id);
        let items = match currency {
            Some(code) => {
                self.query_prefix(&partition, &keys::currency_entries_prefix(code))
                    .await?
            }
            None => {
                let points_prefix = keys::currency_entries_prefix(points::POINTS_CURRENCY);
                let (points, others) = tokio::try_join!(
                    self.query_prefix(&partition, &points_prefix),
                    self.query_prefix(&partition, keys::CURRENCY_ENTRY_PREFIX),
                )?;
                points.into_iter().chain(others).collect()
            }
        };
        Ok(serde_dynamo::from_items(items)?)
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
