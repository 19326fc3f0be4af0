//! The `external-account` function: v1 `/ExternalAccount/{appKey}`. A
//! signed-in user binds other platforms' unionIDs to their account, lists,
//! edits, disables and removes them, and signs in with any enabled one.

mod bindings;
pub mod routes;

use std::collections::HashMap;

use lambda_http::{Body, Request, Response};
use oauthapp_shared::routing::{AppAddress, Router};
use oauthapp_shared::sign_in::union_id_sign_in;
use oauthapp_shared::token::TokenModel;
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

/// Answers one request; every outcome, failures included, is an envelope.
pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    let result = async {
        let (route, params) = state.router.find(req.method(), req.uri().path())?;
        dispatch(&state.services, route, &params, &req).await
    };
    Envelope::V1.respond(result.await)
}

async fn dispatch(
    services: &Services,
    route: Route,
    params: &HashMap<String, String>,
    req: &Request,
) -> Result<serde_json::Value, ApiError> {
    fn json(value: impl Serialize) -> Result<serde_json::Value, ApiError> {
        serde_json::to_value(value).map_err(ApiError::internal)
    }
    let address = AppAddress::from_params(params)?;
    match route {
        Route::SignIn => json(sign_in(services, &address, req).await?),
        Route::Bind => json(bindings::bind(services, &address, req).await?),
        Route::List => json(bindings::list(services, &address, req).await?),
        Route::Update => json(bindings::update(services, &address, binding_id(params)?, req).await?),
        Route::Remove => json(bindings::remove(services, &address, binding_id(params)?, req).await?),
    }
}

/// The `{id}` of a binding path.
fn binding_id(params: &HashMap<String, String>) -> Result<u64, ApiError> {
    let raw = params.get("id").map(String::as_str).unwrap_or_default();
    raw.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| bindings::no_such_binding(raw))
}

/// `POST /ExternalAccount/{appKey}/SignIn`: no token; the unionID is proven
/// as the app's `unionIdProof` demands.
async fn sign_in(services: &Services, address: &AppAddress, req: &Request) -> Result<TokenModel, ApiError> {
    union_id_sign_in(
        services,
        address,
        req,
        "No account of this app is bound to this platform and unionID.",
    )
    .await
}
