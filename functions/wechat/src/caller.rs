//! Who calls a WeChat endpoint that spends the app's WeChat quota: a
//! signed-in user of the app, or the app's own backend.

use lambda_http::Request;
use oauthapp_shared::routing::AppAddress;
use oauthapp_shared::signature;
use oauthapp_shared::store::{App, User};
use oauthapp_shared::{ApiError, Services, clock};

pub enum Caller {
    /// The app's backend, by the request signature: may act for anyone.
    Backend,
    /// A user, by a Bearer token of this app: may act for themselves only.
    User(Box<User>),
}

impl Caller {
    /// Whether the caller may message `open_id` in the mini-program: the
    /// backend anyone, a user the openid a WeChat login code proved theirs.
    pub fn may_message(&self, open_id: &str) -> bool {
        match self {
            Caller::Backend => true,
            Caller::User(user) => user.wechat_open_id.as_deref() == Some(open_id),
        }
    }
}

/// The app and the caller: signature headers make it the backend (and
/// must verify), else the Bearer token must be a user's of this app.
pub async fn identify(
    services: &Services,
    address: &AppAddress,
    req: &Request,
) -> Result<(App, Caller), ApiError> {
    let store = &services.store;
    let app_id = address.app_id(store).await?;
    if signature::present(req) {
        let app = address.known(store.app(app_id).await?)?;
        // Headers that are present either verify or are refused.
        signature::check(req, &app.secret, clock::now())?;
        return Ok((app, Caller::Backend));
    }
    let subject = services.tokens.authenticate(req, app_id).map_err(|err| {
        ApiError::unauthorized(format!(
            "{} The app's backend may instead sign the request (X-OAuthApp-Timestamp, X-OAuthApp-Signature).",
            err.message()
        ))
    })?;
    let (app, user) = store.app_and_user(app_id, subject.user_id).await?;
    let app = address.known(app)?;
    let user = user.ok_or_else(ApiError::user_gone)?;
    Ok((app, Caller::User(Box::new(user))))
}
