//! `GET PointLog?type=&skip=&take=`: the signed-in user's points log.

use oauthapp_shared::domain::{Error, PointEntry, PointKind, clock};
use oauthapp_shared::http::{Bearer, Ctx, Query};
use serde::Serialize;

/// Largest page a client may ask for.
const MAX_TAKE: u32 = 100;
const DEFAULT_TAKE: u32 = 10;

#[derive(Debug, Serialize)]
pub struct PointLogView {
    total: u64,
    data: Vec<PointEntryView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PointEntryView {
    id: u64,
    #[serde(rename = "userID")]
    user_id: u64,
    used: i64,
    remark: String,
    create_date: String,
}

fn kind_filter(query: &Query) -> Result<Option<PointKind>, Error> {
    match query.param("type") {
        None | Some("0") => Ok(None),
        Some("1") => Ok(Some(PointKind::Recharge)),
        Some("2") => Ok(Some(PointKind::Consume)),
        Some(_) => Err(Error::invalid(
            "Query parameter `type` must be 0 (all), 1 (recharge) or 2 (consume).",
        )),
    }
}

pub async fn point_log(ctx: Ctx<'_, Bearer>, query: Query) -> Result<PointLogView, Error> {
    let services = ctx.services;
    let kind = kind_filter(&query)?;
    let skip = query.number("skip", 0, u32::MAX)?;
    let take = query.number("take", DEFAULT_TAKE, MAX_TAKE)?;
    let page = services
        .store
        .point_log(ctx.app.id, ctx.caller.user.id, kind, u64::from(skip), take)
        .await?
        .ok_or_else(Error::user_gone)?;
    let offset = services.config.display_offset;
    let data = page
        .entries
        .into_iter()
        .map(|entry: PointEntry| PointEntryView {
            id: entry.id,
            user_id: entry.user_id,
            used: entry.used,
            remark: entry.remark,
            create_date: clock::display(entry.created_at, offset),
        })
        .collect();
    Ok(PointLogView {
        total: page.total,
        data,
    })
}
