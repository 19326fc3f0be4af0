//! The `account` function: the legacy `/api/AppUsers/{appId}` API for
//! password and union-id sign-up and sign-in, the profile and the points
//! log, and v1 `/User/{appKey}/TwoFactorAuth` enrolment.

mod password_account;
mod points;
mod profile;
pub mod routes;
mod two_factor;
mod union_id;

use lambda_http::{Body, Request, Response};
use oauthapp_shared::{ApiError, Envelope, Services};

use oauthapp_shared::routing::{AppAddress, Router};
use routes::{ROUTES, Route};

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
    fn json(value: impl serde::Serialize) -> Result<serde_json::Value, ApiError> {
        serde_json::to_value(value).map_err(ApiError::internal)
    }
    let store = &services.store;
    // Legacy paths give the id itself: no read to find it.
    let app_id = address.app_id(store).await?;
    match route {
        Route::SignUp => json(password_account::sign_up(services, app_id, req).await?),
        Route::SignIn => json(password_account::sign_in(services, app_id, req).await?),
        Route::UnionIdSignUp => json(union_id::sign_up(services, app_id, req).await?),
        Route::UnionIdSignIn => json(union_id::sign_in(services, app_id, req).await?),
        Route::GetProfile => json(profile::get(services, app_id, req).await?),
        Route::PutProfile => json(profile::put(services, app_id, req).await?),
        Route::PointLog => json(points::log(services, app_id, req).await?),
        Route::StartTwoFactor => json(two_factor::start(services, address, app_id, req).await?),
        Route::ConfirmTwoFactor => json(two_factor::confirm(services, app_id, req).await?),
        Route::TurnOffTwoFactor => json(two_factor::turn_off(services, app_id, req).await?),
    }
}
