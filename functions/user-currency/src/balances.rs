//! `GET /UserCurrency/{appKey}/{id}?userId=`: the signed-in user's balance
//! of each of the app's currencies.

use oauthapp_shared::domain::{Error, points::POINTS_CURRENCY};
use oauthapp_shared::http::error::ApiError;
use oauthapp_shared::http::input::Input;
use oauthapp_shared::http::route::Incoming;
use oauthapp_shared::http::{Bearer, Ctx, Query};
use serde::Serialize;

use crate::owner;

/// The v1 client's `UserCurrency`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCurrency {
    /// The balance's place in the list, from 1: the points first, then the
    /// app's currencies in the order the operator added them.
    id: u64,
    #[serde(rename = "userID")]
    user_id: u64,
    currency_code: String,
    balance: i64,
}

/// The path's `{id}`, whose ledger is asked for.
pub struct LedgerId(String);

impl Input for LedgerId {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError> {
        Ok(Self(incoming.param("id").unwrap_or_default().to_owned()))
    }
}

/// Every currency of the app with the user's balance (zero before their
/// first change), then any balance of a currency the operator removed
/// since. The points' balance is the user item's, read with the token.
pub async fn balances(
    ctx: Ctx<'_, Bearer>,
    (LedgerId(id), query): (LedgerId, Query),
) -> Result<Vec<UserCurrency>, Error> {
    let user = &ctx.caller.user;
    owner::check("id", Some(&id), user.id)?;
    owner::check_query(&query, user.id)?;
    let store = &ctx.services.store;
    let app = ctx.app.load(store).await?;
    let stored = store.currency_balances(user.app_id, user.id).await?;
    let mut codes: Vec<String> = app.currencies.all().map(str::to_owned).collect();
    let mut removed: Vec<String> = stored
        .iter()
        .map(|(code, _)| code.clone())
        .filter(|code| !codes.contains(code))
        .collect();
    removed.sort();
    codes.extend(removed);
    Ok(codes
        .into_iter()
        .zip(1..)
        .map(|(code, id)| {
            let balance = if code == POINTS_CURRENCY {
                user.points.point_balance
            } else {
                stored
                    .iter()
                    .find(|(stored, _)| *stored == code)
                    .map_or(0, |(_, balance)| *balance)
            };
            UserCurrency {
                id,
                user_id: user.id,
                currency_code: code,
                balance,
            }
        })
        .collect())
}
