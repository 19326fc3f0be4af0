//! Erasing a user (v1 `DeactivateHard`, `oauthapp-admin users delete`).
//! One transaction deletes the user item and every guard that names the
//! user (user name, union ids, verified addresses) and records the
//! anonymised ledger totals: after it, the user is gone for every reader,
//! their identifiers are free and their tokens are refused. What is left in
//! the user's partition (sessions, binding records, point entries) is then
//! unreachable, and swept, with the QR keys the user confirmed that have not
//! expired yet (listed there); an erasure stopped half-way through the
//! sweep is finished by erasing the user again.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use rand::RngExt;

use super::{MAX_TRANSACT_ITEMS, Store, StoreError, User, item_of, keys, number, put_if};
use crate::domain::verification::{Channel, Recipient};
use crate::domain::{Binding, PointTotals};

/// The QR key an item of the user's partition lists, if it is such an item.
fn listed_qr_key(item: &super::Item) -> Option<u64> {
    match item.get(keys::SK) {
        Some(AttributeValue::S(sort_key)) => sort_key.strip_prefix(keys::QR_KEY_OF_USER_PREFIX)?.parse().ok(),
        _ => None,
    }
}

/// Reads of a user whose bindings keep changing before the erasure gives up.
const TRIES: usize = 3;

/// What the ledger keeps of an erased user: their totals, with nothing
/// that says who they were (no user id, no remark, no dates of entries).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ErasedTotals {
    erased_at: i64,
    #[serde(flatten)]
    points: PointTotals,
    /// The balances of the app's other currencies, by code.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    currencies: BTreeMap<String, i64>,
}

/// How an erasure went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// The user was erased; `swept` items of their partition went after.
    Erased { swept: usize },
    /// No such user; `swept` items an earlier erasure left were removed.
    NoUser { swept: usize },
}

impl Store {
    /// Erases user `user_id` of the app as the module says.
    pub async fn erase_user(&self, app_id: u64, user_id: u64, now: i64) -> Result<Erasure, StoreError> {
        for _ in 0..TRIES {
            let Some(user) = self.user(app_id, user_id).await? else {
                let swept = self.sweep_partition(app_id, user_id).await?;
                return Ok(Erasure::NoUser { swept });
            };
            let (bindings, currencies) = tokio::try_join!(
                self.bindings(app_id, user_id),
                self.currency_balances(app_id, user_id)
            )?;
            let totals = ErasedTotals {
                erased_at: now,
                points: user.points,
                currencies: currencies.into_iter().collect(),
            };
            if self.erase_reachable(&user, &bindings, &totals).await? {
                let swept = self.sweep_partition(app_id, user_id).await?;
                return Ok(Erasure::Erased { swept });
            }
        }
        Err(StoreError::Unavailable(
            "the user's external accounts kept changing during the erasure".to_owned(),
        ))
    }

    /// The user item, its guards and the anonymised totals, all or none.
    /// `Ok(false)`: a binding was added meanwhile (its guard would be left
    /// naming nobody), so the caller reads again.
    async fn erase_reachable(
        &self,
        user: &User,
        bindings: &[Binding],
        totals: &ErasedTotals,
    ) -> Result<bool, StoreError> {
        let (app_id, user_id) = (user.app_id, user.id);
        let mut guards = Vec::new();
        if let Some(user_name) = &user.user_name {
            guards.push(keys::login(app_id, user_name));
        }
        for binding in bindings {
            guards.push(keys::union_id(app_id, &binding.platform, &binding.union_id));
        }
        for channel in [Channel::Email, Channel::Sms] {
            let (address, verified) = user.address(channel);
            if let (true, Ok(recipient)) = (verified, Recipient::of(channel, address)) {
                guards.push(keys::address(app_id, &recipient));
            }
        }
        let owned = [(":user".to_owned(), number(user_id))];
        let mut writes = guards
            .iter()
            .map(|key| {
                // A guard another user holds is theirs; one already gone is fine.
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key.item()))
                    .condition_expression("attribute_not_exists(pk) OR userId = :user")
                    .set_expression_attribute_values(Some(owned.clone().into()))
                    .build()?;
                Ok(TransactWriteItem::builder().delete(delete).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let user_delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(app_id, user_id).item()))
            .condition_expression(
                "attribute_exists(pk) AND (bindingSequence = :seq OR attribute_not_exists(bindingSequence))",
            )
            .expression_attribute_values(":seq", number(user.binding_sequence))
            .build()?;
        let record = keys::erased_totals(app_id, totals.erased_at, rand::rng().random());
        let last = [
            TransactWriteItem::builder().delete(user_delete).build(),
            put_if(
                &self.table,
                item_of(&record, totals, &[])?,
                "attribute_not_exists(pk)",
            )?,
        ];
        // Guards beyond one transaction go first: a user name or union id
        // freed early still names a user nobody can sign in as by it.
        while writes.len() + last.len() > MAX_TRANSACT_ITEMS {
            let rest = writes.split_off(MAX_TRANSACT_ITEMS);
            self.transact(std::mem::replace(&mut writes, rest))
                .await
                .map_err(StoreError::from)?;
        }
        writes.extend(last);
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            Err(failure) if failure.lost_race() => Ok(false),
            Err(failure) => Err(failure.into()),
        }
    }

    /// Deletes every item left in the user's partition; how many.
    async fn sweep_partition(&self, app_id: u64, user_id: u64) -> Result<usize, StoreError> {
        let items = self
            .query_items(&keys::user_partition(app_id, user_id), None)
            .await?;
        // Each item may bring the QR key it lists: two deletes.
        for chunk in items.chunks(MAX_TRANSACT_ITEMS / 2) {
            let mut deletes = Vec::new();
            for item in chunk {
                if let Some(key) = listed_qr_key(item) {
                    // Only while it still names the user.
                    let delete = Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(keys::qr_key(key).item()))
                        .condition_expression("attribute_not_exists(pk) OR userId = :user")
                        .expression_attribute_values(":user", number(user_id))
                        .build()?;
                    deletes.push(TransactWriteItem::builder().delete(delete).build());
                }
                let key = [keys::PK, keys::SK]
                    .into_iter()
                    .filter_map(|name| Some((name.to_owned(), item.get(name)?.clone())))
                    .collect();
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key))
                    .build()?;
                deletes.push(TransactWriteItem::builder().delete(delete).build());
            }
            self.transact(deletes).await.map_err(StoreError::from)?;
        }
        Ok(items.len())
    }
}
