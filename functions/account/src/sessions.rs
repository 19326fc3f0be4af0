//! v1 `/User/{appKey}/SignOut` and `/User/{appKey}/Sessions`: the caller
//! ends this session or all of theirs, lists their live sessions, and ends
//! one of them (a lost phone, from the laptop).

use oauthapp_shared::domain::session::{Session, is_session_id};
use oauthapp_shared::domain::{Error, clock};
use oauthapp_shared::flows::session;
use oauthapp_shared::http::error::ApiError;
use oauthapp_shared::http::input::Input;
use oauthapp_shared::http::route::Incoming;
use oauthapp_shared::http::{Bearer, Ctx, Json};
use serde::{Deserialize, Serialize};
use time::UtcOffset;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOutRequest {
    /// Every session of the user in this app, not only this one.
    #[serde(default)]
    everywhere: bool,
}

/// `POST SignOut`: ends the token's session (and the sessions it confirmed,
/// such as a QR page's), or with `everywhere` all the user's sessions.
/// Their refresh tokens and access tokens stop working at once.
pub async fn sign_out(ctx: Ctx<'_, Bearer>, Json(body): Json<SignOutRequest>) -> Result<bool, Error> {
    let (services, user) = (ctx.services, &ctx.caller.user);
    match (&ctx.caller.subject.session_id, body.everywhere) {
        (Some(session_id), false) => {
            session::end(services, user.app_id, user.id, session_id).await?;
        }
        // A token from before sessions existed has none to end but all.
        _ => session::end_all(&services.store, user).await?,
    }
    Ok(true)
}

/// One live session, as `GET Sessions` lists it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    id: String,
    /// How it signed in: password, union_id, external_account or qr_code.
    sign_in_method: &'static str,
    platform: String,
    source_ip: String,
    user_agent: String,
    create_date: String,
    /// Its last sign-in or refresh.
    last_used: String,
    /// Whether the listing token belongs to it.
    current: bool,
}

impl SessionView {
    fn new(session: Session, current: Option<&str>, offset: UtcOffset) -> Self {
        Self {
            current: current == Some(session.id.as_str()),
            sign_in_method: session.method.as_str(),
            platform: session.device.platform,
            source_ip: session.device.client.source_ip,
            user_agent: session.device.client.user_agent,
            create_date: clock::display(session.created_at, offset),
            last_used: clock::display(session.last_used_at, offset),
            id: session.id,
        }
    }
}

/// `GET Sessions`: the caller's live sessions in this app, oldest first.
pub async fn list(ctx: Ctx<'_, Bearer>, (): ()) -> Result<Vec<SessionView>, Error> {
    let (services, user) = (ctx.services, &ctx.caller.user);
    let (offset, policy, now) = (
        services.config.display_offset,
        &services.config.sessions,
        clock::now(),
    );
    let current = ctx.caller.subject.session_id.as_deref();
    Ok(services
        .store
        .sessions_of(user.app_id, user.id)
        .await?
        .into_iter()
        .filter(|session| user.session_is_live(Some(&session.id), 0) && session.ends_at(policy) > now)
        .map(|session| SessionView::new(session, current, offset))
        .collect())
}

/// The `{id}` of a session path.
pub struct SessionId(String);

impl Input for SessionId {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError> {
        let raw = incoming.param("id").unwrap_or_default();
        if is_session_id(raw) {
            Ok(SessionId(raw.to_owned()))
        } else {
            Err(no_such_session().into())
        }
    }
}

fn no_such_session() -> Error {
    Error::not_found("The caller has no live session with this id in this app.")
}

/// `DELETE Sessions/{id}`: ends one of the caller's sessions (and those it
/// confirmed).
pub async fn end(ctx: Ctx<'_, Bearer>, SessionId(id): SessionId) -> Result<bool, Error> {
    let user = &ctx.caller.user;
    if !user.session_is_live(Some(&id), 0) {
        return Err(no_such_session());
    }
    session::end(ctx.services, user.app_id, user.id, &id).await?;
    Ok(true)
}
