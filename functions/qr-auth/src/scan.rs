//! `QRCodeScan` / `QR-Auth/Scan`: the mini-program shows which app asks,
//! with what scopes, and the key moves to scanned. In strict mode the first
//! scan claims the key: it answers a scan ticket, without which no other
//! device may scan or confirm the key.

use oauthapp_shared::domain::qr::{QrRefusal, QrState, ScanTicket};
use oauthapp_shared::domain::{Error, QrMode, clock};
use oauthapp_shared::http::{Anyone, Ctx, Json};
use oauthapp_shared::store::{QrError, Scanner};
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
    /// Strict mode: for this device to confirm the key (and scan it again).
    #[serde(rename = "scanTicket", skip_serializing_if = "Option::is_none")]
    scan_ticket: Option<ScanTicket>,
}

/// A scan of a key another device claimed.
fn claimed(err: QrError) -> Error {
    match err {
        QrError::Refused(QrRefusal::WrongState(QrState::Scanned) | QrRefusal::WrongScanTicket) => {
            Error::conflict(
                "The QR code was scanned on another device; only that device may confirm it. Scan the code \
                 the web page shows next.",
            )
        }
        err => refused(err),
    }
}

pub async fn scan(ctx: Ctx<'_, Anyone>, Json(body): Json<KeyRequest>) -> Result<AppCardView, Error> {
    let services = ctx.services;
    let app = ctx.app.load(&services.store).await?;
    let claimant = body.scan_ticket.is_some();
    let scan_ticket =
        (app.qr_mode == QrMode::Strict).then(|| body.scan_ticket.unwrap_or_else(ScanTicket::random));
    let hash = scan_ticket.as_ref().map(ScanTicket::hash);
    let scanner = match &hash {
        None => Scanner::Anyone,
        Some(hash) if claimant => Scanner::Claimant(hash),
        Some(hash) => Scanner::Claiming(hash),
    };
    let key = services
        .store
        .scan_qr_key(body.sign_in_key.0, app.id, clock::now(), scanner)
        .await
        .map_err(claimed)?;
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
        scan_ticket,
    })
}
