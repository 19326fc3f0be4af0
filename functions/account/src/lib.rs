//! The `account` function: the legacy `/api/AppUsers/{appId}` API for
//! password and union-id sign-up and sign-in, the profile and the points log.

mod password_account;
mod points;
mod profile;
pub mod routes;
mod union_id;

use lambda_http::{Body, Request, Response};
use oauthapp_shared::{ApiError, Envelope, Services};

use oauthapp_shared::routing::{Matched, Router};
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

/// Answers one request; every outcome, failures included, is an envelope.
pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    let result = match state.router.find(req.method(), req.uri().path()) {
        Matched::Route { route, params } => {
            match parse_app_id(params.get("appId").map_or("", String::as_str)) {
                Ok(app_id) => dispatch(&state.services, route, app_id, &req).await,
                Err(err) => Err(err),
            }
        }
        Matched::MethodNotAllowed => Err(ApiError::new(
            lambda_http::http::StatusCode::METHOD_NOT_ALLOWED,
            format!("{} is not allowed on this path.", req.method()),
        )),
        Matched::NotFound => Err(ApiError::not_found("There is no such endpoint.")),
    };
    Envelope::Legacy.respond(result)
}

async fn dispatch(
    services: &Services,
    route: Route,
    app_id: u64,
    req: &Request,
) -> Result<serde_json::Value, ApiError> {
    fn json(value: impl serde::Serialize) -> Result<serde_json::Value, ApiError> {
        serde_json::to_value(value).map_err(ApiError::internal)
    }
    match route {
        Route::SignUp => json(password_account::sign_up(services, app_id, req).await?),
        Route::SignIn => json(password_account::sign_in(services, app_id, req).await?),
        Route::UnionIdSignUp => json(union_id::sign_up(services, app_id, req).await?),
        Route::UnionIdSignIn => json(union_id::sign_in(services, app_id, req).await?),
        Route::GetProfile => json(profile::get(services, app_id, req).await?),
        Route::PutProfile => json(profile::put(services, app_id, req).await?),
        Route::PointLog => json(points::log(services, app_id, req).await?),
    }
}

/// The numeric `{appId}` of the path; anything else names no app.
fn parse_app_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ApiError::not_found(format!(
            "There is no app with id {raw:?}; appId is a positive number."
        ))
    })
}

/// The app, or the 404 every endpoint gives for an unknown one.
fn known_app(
    app: Option<oauthapp_shared::store::App>,
    app_id: u64,
) -> Result<oauthapp_shared::store::App, ApiError> {
    app.ok_or_else(|| ApiError::not_found(format!("There is no app with id {app_id}.")))
}
