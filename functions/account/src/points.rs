//! `GET PointLog?type=&skip=&take=`: the signed-in user's points log.

use lambda_http::Request;
use oauthapp_shared::request::{query_number, query_param};
use oauthapp_shared::store::{PointEntry, PointKind};
use oauthapp_shared::{ApiError, Services, clock};
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

fn kind_filter(req: &Request) -> Result<Option<PointKind>, ApiError> {
    match query_param(req, "type").as_deref() {
        None | Some("0") => Ok(None),
        Some("1") => Ok(Some(PointKind::Recharge)),
        Some("2") => Ok(Some(PointKind::Consume)),
        Some(_) => Err(ApiError::bad_request(
            "Query parameter `type` must be 0 (all), 1 (recharge) or 2 (consume).",
        )),
    }
}

pub async fn log(services: &Services, app_id: u64, req: &Request) -> Result<PointLogView, ApiError> {
    let subject = services.tokens.authenticate(req, app_id)?;
    let kind = kind_filter(req)?;
    let skip = query_number(req, "skip", 0, u32::MAX)?;
    let take = query_number(req, "take", DEFAULT_TAKE, MAX_TAKE)?;
    let page = services
        .store
        .point_log(app_id, subject.user_id, kind, u64::from(skip), take)
        .await?
        .ok_or_else(ApiError::user_gone)?;
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
