//! `GET CurrencyTransactions?transType=&curCode=&startTime=&endTime=&skip=&take=&userId=`:
//! the signed-in user's ledger entries, newest first, of one currency or
//! all, the legacy points' entries among them.

use oauthapp_shared::domain::currency::TransactionType;
use oauthapp_shared::domain::points::POINTS_CURRENCY;
use oauthapp_shared::domain::{Error, PointEntry, clock};
use oauthapp_shared::http::{Bearer, Ctx, Query};
use serde::Serialize;

use crate::owner;

/// Largest page a client may ask for.
const MAX_TAKE: u32 = 100;
const DEFAULT_TAKE: u32 = 10;

/// The v1 client's `UserCurrencyCurrencyTransResult`.
#[derive(Debug, Serialize)]
pub struct TransactionPage {
    total: usize,
    data: Vec<CurrencyTransaction>,
}

/// The v1 client's `CurrencyTransaction`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct CurrencyTransaction {
    /// The entry's number in its currency's log.
    id: u64,
    #[serde(rename = "fromUserID")]
    from_user_id: u64,
    #[serde(rename = "userID")]
    user_id: u64,
    transaction_type: &'static str,
    currency_type: String,
    currency_change: i64,
    /// None on points entries written before the v1 ledger.
    currency_balance: Option<i64>,
    description: Option<String>,
    /// Every entry is a change that happened.
    status: &'static str,
    remark: String,
    tags: Option<String>,
    create_date: String,
}

/// The entry's type: an exchange says so, otherwise its sign does.
fn transaction_type(entry: &PointEntry) -> TransactionType {
    match (entry.exchange, entry.used > 0) {
        (Some(true), _) => TransactionType::Exchange,
        (_, true) => TransactionType::Recharge,
        (_, false) => TransactionType::Consume,
    }
}

/// A time parameter as unix seconds, at the API's display offset without
/// one of its own.
fn time_param(ctx: &Ctx<'_, Bearer>, query: &Query, name: &str) -> Result<Option<i64>, Error> {
    let offset = ctx.services.config.display_offset;
    query
        .param(name)
        .map(|text| {
            clock::parse(text, offset).ok_or_else(|| {
                Error::invalid(format!(
                    "Query parameter `{name}` must be a time, YYYY-MM-DD HH:MM:SS or ISO 8601."
                ))
            })
        })
        .transpose()
}

pub async fn currency_transactions(ctx: Ctx<'_, Bearer>, query: Query) -> Result<TransactionPage, Error> {
    let user = &ctx.caller.user;
    owner::check_query(&query, user.id)?;
    let kind = query
        .param("transType")
        .map(|value| {
            TransactionType::parse(value).ok_or_else(|| {
                Error::invalid("Query parameter `transType` must be recharge, consume or exchange.")
            })
        })
        .transpose()?;
    let store = &ctx.services.store;
    let app = ctx.app.load(store).await?;
    let currency = query
        .param("curCode")
        .map(|code| app.currencies.known("curCode", code))
        .transpose()?;
    let start = time_param(&ctx, &query, "startTime")?;
    let end = time_param(&ctx, &query, "endTime")?;
    let skip = query.number("skip", 0, u32::MAX)? as usize;
    let take = query.number("take", DEFAULT_TAKE, MAX_TAKE)? as usize;
    let mut entries: Vec<PointEntry> = store
        .currency_log(user.app_id, user.id, currency)
        .await?
        .into_iter()
        .filter(|entry| kind.is_none_or(|kind| transaction_type(entry) == kind))
        .filter(|entry| start.is_none_or(|start| entry.created_at >= start))
        .filter(|entry| end.is_none_or(|end| entry.created_at <= end))
        .collect();
    entries.sort_by(|a, b| (b.created_at, &b.currency, b.id).cmp(&(a.created_at, &a.currency, a.id)));
    let offset = ctx.services.config.display_offset;
    let total = entries.len();
    let data = entries
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|entry| CurrencyTransaction {
            id: entry.id,
            from_user_id: entry.user_id,
            user_id: entry.user_id,
            transaction_type: transaction_type(&entry).as_str(),
            currency_type: entry
                .currency
                .clone()
                .unwrap_or_else(|| POINTS_CURRENCY.to_owned()),
            currency_change: entry.used,
            currency_balance: entry.balance,
            description: entry.description,
            status: "success",
            remark: entry.remark,
            tags: entry.tags,
            create_date: clock::display(entry.created_at, offset),
        })
        .collect();
    Ok(TransactionPage { total, data })
}
