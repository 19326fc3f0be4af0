//! `POST CurrencyRecharge`, `CurrencyConsume` and `CurrencyExchange`: the
//! changes the app's backend vouches for with its signature in the query.
//! Each is one transaction of the balances and their log entries; a
//! consumption beyond the balance writes nothing.

use oauthapp_shared::domain::currency::AppCurrencies;
use oauthapp_shared::domain::points::MAX_CHANGE;
use oauthapp_shared::domain::validate::text_rule;
use oauthapp_shared::domain::{Error, clock};
use oauthapp_shared::http::{BearerAndQuerySignature, Ctx, Json, Query, Vouched};
use oauthapp_shared::store::{BalanceChange, ChangePointsError, EntryNote};
use serde::Deserialize;

use crate::owner;

/// The longest `remark` and `tags` the v1 client's transaction holds.
const REMARK_MAX: usize = 255;
const DESCRIPTION_MAX: usize = 1000;

/// What a change's log entry says, as the client sends it.
#[derive(Debug, Deserialize)]
pub struct NoteBody {
    #[serde(default)]
    remark: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Option<String>,
}

impl NoteBody {
    fn checked(self) -> Result<EntryNote, Error> {
        let rules = [
            ("remark", &self.remark, REMARK_MAX),
            ("description", &self.description, DESCRIPTION_MAX),
            ("tags", &self.tags, REMARK_MAX),
        ];
        for (field, value, max) in rules {
            if let Some(value) = value {
                text_rule(0, max).check(field, value)?;
            }
        }
        Ok(EntryNote {
            remark: self.remark.unwrap_or_default(),
            description: self.description,
            tags: self.tags,
        })
    }
}

/// The v1 client's `RechargePointRequest` and `CurrencyConsumeRequest`.
#[derive(Debug, Deserialize)]
pub struct ChangeBody {
    currency: String,
    balance: i64,
    #[serde(flatten)]
    note: NoteBody,
}

/// The v1 client's `ExchangeCurrencyRequest`: spend `balance` of
/// `fromCurrency` for `currency` at the app's rate.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeBody {
    from_currency: String,
    currency: String,
    balance: i64,
    #[serde(flatten)]
    note: NoteBody,
}

fn amount(balance: i64) -> Result<i64, Error> {
    if (1..=MAX_CHANGE).contains(&balance) {
        Ok(balance)
    } else {
        Err(Error::invalid(format!(
            "Field `balance` must be a whole number from 1 to {MAX_CHANGE}."
        )))
    }
}

fn known<'a>(currencies: &AppCurrencies, field: &str, code: &'a str) -> Result<&'a str, Error> {
    oauthapp_shared::domain::currency::CODE.check(field, code)?;
    currencies.known(field, code)
}

pub async fn currency_recharge(
    ctx: Ctx<'_, BearerAndQuerySignature>,
    (query, Json(body)): (Query, Json<ChangeBody>),
) -> Result<bool, Error> {
    change(ctx, query, body, 1).await
}

pub async fn currency_consume(
    ctx: Ctx<'_, BearerAndQuerySignature>,
    (query, Json(body)): (Query, Json<ChangeBody>),
) -> Result<bool, Error> {
    change(ctx, query, body, -1).await
}

/// Adds (`sign` 1) or takes (-1) `body.balance` of `body.currency`.
async fn change(
    ctx: Ctx<'_, BearerAndQuerySignature>,
    query: Query,
    body: ChangeBody,
    sign: i64,
) -> Result<bool, Error> {
    let Vouched { app, user } = &ctx.caller;
    owner::check_query(&query, user.id)?;
    let currency = known(&app.currencies, "currency", &body.currency)?;
    let change = BalanceChange {
        currency,
        amount: sign * amount(body.balance)?,
    };
    let note = body.note.checked()?;
    apply(&ctx, &[change], &note).await
}

pub async fn currency_exchange(
    ctx: Ctx<'_, BearerAndQuerySignature>,
    (query, Json(body)): (Query, Json<ExchangeBody>),
) -> Result<bool, Error> {
    let Vouched { app, user } = &ctx.caller;
    owner::check_query(&query, user.id)?;
    let from = known(&app.currencies, "fromCurrency", &body.from_currency)?;
    let to = known(&app.currencies, "currency", &body.currency)?;
    if from == to {
        return Err(Error::invalid("`fromCurrency` and `currency` must differ."));
    }
    let spent = amount(body.balance)?;
    let received = app.currencies.rate(from, to)?.convert(spent)?;
    let note = body.note.checked()?;
    let changes = [
        BalanceChange {
            currency: from,
            amount: -spent,
        },
        BalanceChange {
            currency: to,
            amount: received,
        },
    ];
    apply(&ctx, &changes, &note).await
}

async fn apply(
    ctx: &Ctx<'_, BearerAndQuerySignature>,
    changes: &[BalanceChange<'_>],
    note: &EntryNote,
) -> Result<bool, Error> {
    let user = &ctx.caller.user;
    ctx.services
        .store
        .change_balances(user.app_id, user.id, changes, note, clock::now())
        .await
        .map_err(|err| match err {
            ChangePointsError::UserNotFound => Error::user_gone(),
            ChangePointsError::InsufficientBalance { balance, needed } => Error::invalid(format!(
                "The balance is {balance}, less than the {needed} to take; nothing changed."
            )),
            ChangePointsError::InvalidAmount => Error::invalid(format!(
                "Field `balance` must be a whole number from 1 to {MAX_CHANGE}."
            )),
            ChangePointsError::Store(err) => err.into(),
        })?;
    Ok(true)
}
