//! The `qr-auth` function: QR-code sign-in through a WeChat mini-program.
//! A web page shows a key as a QR code, the mini-program scans it and a
//! user confirms (or registers), and the page redeems the key for that
//! user's token. Legacy (`/api/AppUsers/{appId}/QRCode…`) and v1
//! (`/Wechat/{appKey}/QR-Auth/…`) endpoints work on the same keys.

mod confirm;
mod key;
pub mod routes;
mod scan;

use std::collections::HashMap;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oauthapp_shared::routing::{Matched, Router};
use oauthapp_shared::store::App;
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
/// of the route's generation.
pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    let path = req.uri().path();
    let fallback = if path.starts_with("/Wechat/") {
        Envelope::V1
    } else {
        Envelope::Legacy
    };
    match state.router.find(req.method(), path) {
        Matched::Route { route, params } => {
            let result = match AppAddress::from_params(&params) {
                Ok(address) => dispatch(&state.services, route, &address, &req).await,
                Err(err) => Err(err),
            };
            route.envelope().respond(result)
        }
        Matched::MethodNotAllowed => fallback.respond::<()>(Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{} is not allowed on this path.", req.method()),
        ))),
        Matched::NotFound => fallback.respond::<()>(Err(ApiError::not_found("There is no such endpoint."))),
    }
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
    match route {
        Route::PreSignIn | Route::Initiate => {
            json(key::initiate(services, &address.load(services).await?, req).await?)
        }
        Route::Scan | Route::ScanV1 => json(scan::scan(services, &address.load(services).await?, req).await?),
        // The poll needs only the app id, which the key item checks: no app read.
        Route::SignIn => json(key::redeem(services, address.app_id(services).await?, req).await?),
        Route::ConfirmLogin => json(confirm::login(services, &address.load(services).await?, req).await?),
        Route::SignUp | Route::ConfirmRegister => {
            json(confirm::register(services, &address.load(services).await?, req).await?)
        }
    }
}

/// How the path names the app: a numeric `{appId}` (legacy) or a string
/// `{appKey}` (v1).
enum AppAddress {
    Id(u64),
    Key(String),
}

impl AppAddress {
    fn from_params(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        match (params.get("appId"), params.get("appKey")) {
            (Some(raw), _) => raw
                .parse::<u64>()
                .ok()
                .filter(|id| *id > 0)
                .map(AppAddress::Id)
                .ok_or_else(|| ApiError::not_found(format!("There is no app with id {raw:?}."))),
            (None, Some(key)) => Ok(AppAddress::Key(key.clone())),
            (None, None) => Err(ApiError::internal("route without an app parameter")),
        }
    }

    /// The app's id, read from the table only when the path gives a key.
    async fn app_id(&self, services: &Services) -> Result<u64, ApiError> {
        match self {
            AppAddress::Id(id) => Ok(*id),
            AppAddress::Key(_) => Ok(self.load(services).await?.id),
        }
    }

    async fn load(&self, services: &Services) -> Result<App, ApiError> {
        match self {
            AppAddress::Id(id) => services
                .store
                .app(*id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("There is no app with id {id}."))),
            AppAddress::Key(key) => services
                .store
                .app_by_key(key)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("There is no app with key {key:?}."))),
        }
    }
}
