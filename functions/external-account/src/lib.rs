//! The `external-account` function: v1 `/ExternalAccount/{appKey}`. A
//! signed-in user binds other platforms' unionIDs to their account, lists,
//! edits, disables and removes them, and signs in with any enabled one.

mod bindings;
pub mod routes;

use std::collections::HashMap;

use lambda_http::{Body, Request, Response};
use oauthapp_shared::envelope::json;
use oauthapp_shared::routing::{AppAddress, Matched, Routed};
use oauthapp_shared::sign_in::union_id_sign_in;
use oauthapp_shared::token::TokenModel;
use oauthapp_shared::{ApiError, Services};
use routes::Route;

/// Built once per cold start.
pub type AppState = Routed<Route>;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    state.answer(req, dispatch).await
}

async fn dispatch(
    services: &Services,
    Matched {
        route,
        address,
        params,
    }: Matched<Route>,
    req: &Request,
) -> Result<serde_json::Value, ApiError> {
    match route {
        Route::SignIn => json(sign_in(services, &address, req).await?),
        Route::Bind => json(bindings::bind(services, &address, req).await?),
        Route::List => json(bindings::list(services, &address, req).await?),
        Route::Update => json(bindings::update(services, &address, binding_id(&params)?, req).await?),
        Route::Remove => json(bindings::remove(services, &address, binding_id(&params)?, req).await?),
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
