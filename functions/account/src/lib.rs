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
        Route::StartTwoFactor => json(two_factor::start(services, &address, app_id, req).await?),
        Route::ConfirmTwoFactor => json(two_factor::confirm(services, app_id, req).await?),
        Route::TurnOffTwoFactor => json(two_factor::turn_off(services, app_id, req).await?),
    }
}
