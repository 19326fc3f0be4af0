//! The `qr-auth` function: QR-code sign-in through a WeChat mini-program.
//! A web page shows a key as a QR code, the mini-program scans it and a
//! user confirms (or registers), and the page redeems the key for that
//! user's token. Legacy (`/api/AppUsers/{appId}/QRCode…`) and v1
//! (`/Wechat/{appKey}/QR-Auth/…`) endpoints work on the same keys.

mod confirm;
mod key;
pub mod routes;
mod scan;

use lambda_http::{Body, Request, Response};
use oauthapp_shared::envelope::json;
use oauthapp_shared::routing::{Matched, Routed};
use oauthapp_shared::{ApiError, Services};
use routes::Route;

/// Built once per cold start.
pub type AppState = Routed<Route>;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    state.answer(req, dispatch).await
}

async fn dispatch(
    services: &Services,
    Matched { route, address, .. }: Matched<Route>,
    req: &Request,
) -> Result<serde_json::Value, ApiError> {
    let store = &services.store;
    match route {
        Route::PreSignIn | Route::Initiate => {
            json(key::initiate(services, &address.load(store).await?, req).await?)
        }
        Route::Scan | Route::ScanV1 => json(scan::scan(services, &address.load(store).await?, req).await?),
        // The poll needs only the app id, which the key item checks: no app read.
        Route::SignIn => json(key::redeem(services, address.app_id(store).await?, req).await?),
        Route::ConfirmLogin => json(confirm::login(services, &address.load(store).await?, req).await?),
        Route::SignUp | Route::ConfirmRegister => {
            json(confirm::register(services, &address.load(store).await?, req).await?)
        }
    }
}
