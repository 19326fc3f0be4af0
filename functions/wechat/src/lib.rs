//! The `wechat` function: v1 `/Wechat/{appKey}/…`, WeChat's server API
//! called with the app's own WeChat accounts. Login-code exchange and
//! decryption need no token; every other call needs a user's Bearer token
//! or the app backend's signature.

mod caller;
mod login;
mod mini_program;
mod official_account;
pub mod routes;

use lambda_http::{Body, Request, Response};
use oauthapp_shared::envelope::{Outcome, json};
use oauthapp_shared::routing::{AppAddress, Matched, Routed};
use oauthapp_shared::{ApiError, Services};
use routes::{Call, Login, Route};

/// Built once per cold start.
pub type AppState = Routed<Route>;

pub async fn handle(state: &AppState, req: Request) -> Response<Body> {
    state.answer(req, dispatch).await
}

async fn dispatch(
    services: &Services,
    Matched { route, address, .. }: Matched<Route>,
    req: &Request,
) -> Result<Outcome, ApiError> {
    match route {
        Route::Login(Login::CodeToSession) => data(login::code_to_session(services, &address, req).await?),
        Route::Login(Login::Decrypt) => data(login::decrypt(services, &address, req).await?),
        Route::Call(call) => on_behalf(services, call, &address, req).await,
    }
}

/// A call made for the signed-in user or the app's backend.
async fn on_behalf(
    services: &Services,
    call: Call,
    address: &AppAddress,
    req: &Request,
) -> Result<Outcome, ApiError> {
    let (app, caller) = caller::identify(services, address, req).await?;
    let wechat = &services.wechat;
    match call {
        Call::UserInfo => data(official_account::union_id(wechat, &app, req).await?),
        Call::JsConfig => data(official_account::js_config(wechat, &app, req).await?),
        Call::SubscribeMessage => {
            data(official_account::subscribe_message(wechat, &app, &caller, req).await?)
        }
        Call::SubscribeSend => data(mini_program::subscribe_send(wechat, &app, &caller, req).await?),
        Call::UrlLink => data(mini_program::url_link(wechat, &app, req).await?),
        Call::Scheme => data(mini_program::scheme(wechat, &app, req).await?),
        Call::MessageCheck => data(mini_program::message_check(wechat, &app, req).await?),
        Call::Code => mini_program::code_image(wechat, &app, req, "/wxa/getwxacode").await,
        Call::UnlimitedCode => mini_program::code_image(wechat, &app, req, "/wxa/getwxacodeunlimit").await,
    }
}

/// A handler's answer as the envelope's `data`.
fn data(value: impl serde::Serialize) -> Result<Outcome, ApiError> {
    json(value).map(Outcome::Data)
}
