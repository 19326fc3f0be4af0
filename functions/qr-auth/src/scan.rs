//! `QRCodeScan` / `QR-Auth/Scan`: the mini-program shows which app asks,
//! with what scopes, and the key moves to scanned.

use oauthapp_shared::domain::{Error, clock};
use oauthapp_shared::http::{Anyone, Ctx, Json};
use serde::Serialize;

use crate::key::{KeyRequest, refused};

/// The app card as the seed shows it, with the key's own request.
#[derive(Debug, Serialize)]
pub struct AppCardView {
    #[serde(rename = "appID")]
    app_id: u64,
    name: String,
    logo: String,
    website: String,
    description: Option<String>,
    tags: Option<String>,
    scopes: String,
    remark: String,
    scheme: String,
}

pub async fn scan(ctx: Ctx<'_, Anyone>, Json(body): Json<KeyRequest>) -> Result<AppCardView, Error> {
    let services = ctx.services;
    let app = ctx.app.load(&services.store).await?;
    let key = services
        .store
        .scan_qr_key(body.sign_in_key.0, app.id, clock::now())
        .await
        .map_err(refused)?;
    let card = app.card;
    Ok(AppCardView {
        app_id: app.id,
        name: card.name,
        logo: card.logo,
        website: card.website,
        description: card.description,
        tags: card.tags,
        scopes: key.request.scopes,
        remark: key.request.remark,
        scheme: key.request.scheme,
    })
}
