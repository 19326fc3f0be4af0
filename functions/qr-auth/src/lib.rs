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
use oauthapp_shared::routing::{AppAddress, Router};
use oauthapp_shared::{ApiError, Envelope, Services};
use routes::{ROUTES, Route};
use serde::Serialize;

/// Built once per cold start.
pub struct AppState {
    pub services: Services,
    router: Router<Route>,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self {
            services,
            router: Router::new(ROUTES),
        }
    }
}

/// Answers one request; every outcome, failures included, is an envelope
/// of the path's API generation.
pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    let result = async {
        let (route, params) = state.router.find(req.method(), req.uri().path())?;
        dispatch(&state.services, route, &AppAddress::from_params(&params)?, &req).await
    };
    Envelope::for_path(req.uri().path()).respond(result.await)
}

async fn dispatch(
    services: &Services,
    route: Route,
    address: &AppAddress,
    req: &Request,
) -> Result<serde_json::Value, ApiError> {
    fn json(value: impl Serialize) -> Result<serde_json::Value, ApiError> {
        serde_json::to_value(value).map_err(ApiError::internal)
    }
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
