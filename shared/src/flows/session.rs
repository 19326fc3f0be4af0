//! Sessions as the endpoints use them (see `domain::session`): every
//! sign-in starts one and answers its first access and refresh tokens; the
//! token endpoint refreshes; sign-out, the session list, two-factor changes
//! and the operator end them.

use crate::Services;
use crate::auth::token::{GrantType, TokenModel};
use crate::domain::session::{Client, Device, Presented, Refresh, RefreshToken, Session, SignInMethod};
use crate::domain::{App, Error, ErrorKind, Inherited, User, clock};
use crate::flows::registration::creation_error;
use crate::store::{NewUser, Started, Store};

/// How often a step that lost a race to a concurrent one tries again.
const TRIES: usize = 5;

/// One sign-in: who, into which app, how, from where.
pub struct SignIn<'a> {
    pub app: &'a App,
    pub user: &'a User,
    pub method: SignInMethod,
    pub client: &'a Client,
    /// The external-account binding whose union id signed in, if one did.
    pub binding: Option<u64>,
}

/// Starts a session for a sign-in that happened now: its first tokens.
pub async fn start(services: &Services, sign_in: SignIn<'_>) -> Result<TokenModel, Error> {
    start_with(services, sign_in, None).await
}

/// Starts a session for a sign-in confirmed by presenting `presented`'s
/// token (a QR page's): it keeps that sign-in's time, its first access
/// token expires no later than the presented one, and it ends when the
/// presenting session does.
pub async fn start_presented(
    services: &Services,
    sign_in: SignIn<'_>,
    presented: &Presented,
) -> Result<TokenModel, Error> {
    start_with(services, sign_in, Some(presented)).await
}

/// A session about to start, its first refresh token, and the limits of
/// its first access token.
struct Starting {
    session: Session,
    refresh: RefreshToken,
    limits: Inherited,
}

impl Starting {
    fn new(services: &Services, sign_in: &SignIn<'_>, presented: Option<&Presented>) -> Self {
        let (app, user, now) = (sign_in.app, sign_in.user, clock::now());
        let auth_time = presented.map_or(now, |presented| presented.inherited.auth_time);
        let device = Device {
            platform: user.platform.clone(),
            client: sign_in.client.clone(),
        };
        let policy = &services.config.sessions;
        let (mut session, refresh) =
            Session::start(app.id, user.id, sign_in.method, device, auth_time, now, policy);
        // A sign-in's own token lives its app's lifetime from when it is
        // signed (`Tokens::issue`), within the session's absolute end.
        let limits = presented.map_or(
            Inherited {
                auth_time,
                expires_at: session.expires_at,
            },
            |presented| presented.inherited,
        );
        session.parent = presented.and_then(|presented| presented.session_id.clone());
        session.binding = sign_in.binding;
        Self {
            session,
            refresh,
            limits,
        }
    }

    /// The session's first tokens, once it is stored.
    fn tokens(self, services: &Services, app: &App, user: &User) -> Result<TokenModel, Error> {
        services.tokens.issue(
            app,
            user,
            GrantType::from(self.session.method),
            Some(&self.session.id),
            self.limits,
            Some(self.refresh.text()),
        )
    }
}

async fn start_with(
    services: &Services,
    sign_in: SignIn<'_>,
    presented: Option<&Presented>,
) -> Result<TokenModel, Error> {
    // Every sign-in ends here, so no way the user switched off gets past.
    sign_in.user.switches.permit(sign_in.method)?;
    let (store, policy) = (&services.store, &services.config.sessions);
    let starting = Starting::new(services, &sign_in, presented);
    let (app, user) = (sign_in.app, sign_in.user);
    for _ in 0..TRIES {
        match store.start_session(&starting.session, policy).await? {
            Started::Started => return starting.tokens(services, app, user),
            Started::Full => end_oldest(services, app.id, user.id).await?,
            Started::NoUser => return Err(Error::user_gone()),
        }
    }
    Err(busy())
}

/// Creates the user and signs them in, in one transaction (see
/// `Store::create_signed_in_user`): their first session and its tokens.
pub async fn sign_up(
    services: &Services,
    app: &App,
    new_user: NewUser,
    method: SignInMethod,
    client: &Client,
) -> Result<TokenModel, Error> {
    let (user, starting) = services
        .store
        .create_signed_in_user(app.id, new_user, clock::now(), |user| {
            let sign_in = SignIn {
                app,
                user,
                method,
                client,
                // A union-id sign-up binds its pair as the user's first binding.
                binding: user.union_id.is_some().then_some(user.binding_sequence),
            };
            let starting = Starting::new(services, &sign_in, None);
            Some((starting.session.clone(), Some(starting)))
        })
        .await
        .map_err(creation_error)?;
    let starting = starting.ok_or_else(|| Error::internal("the new user's session was not started"))?;
    starting.tokens(services, app, &user)
}

/// Ends the user's oldest sessions, so that one more fits.
async fn end_oldest(services: &Services, app_id: u64, user_id: u64) -> Result<(), Error> {
    let store = &services.store;
    let mut ids = store.session_ids_of(app_id, user_id).await?;
    let keep = services.config.sessions.max_per_user.saturating_sub(1);
    let oldest = ids.len().saturating_sub(keep);
    ids.truncate(oldest);
    Ok(store.end_sessions(app_id, user_id, &ids, None).await?)
}

/// The access token of a presenting session, for the client that presented
/// it (QR Confirm-Login's mini-program): the same session, sign-in time and
/// expiry, and no new refresh token.
pub fn presented_token(
    services: &Services,
    app: &App,
    user: &User,
    presented: &Presented,
) -> Result<TokenModel, Error> {
    services.tokens.issue(
        app,
        user,
        GrantType::UnionId,
        presented.session_id.as_deref(),
        presented.inherited,
        None,
    )
}

/// Why a refresh token got no new tokens (RFC 6749's `invalid_grant`).
pub const REFUSED: &str = "The refresh token is invalid, expired or revoked; sign in again.";
/// The refusal of a retired refresh token presented after the grace.
pub const REUSED: &str = "The refresh token was used already, so its session has ended; sign in again.";

/// New tokens for `presented`, a refresh token of a session of `app`: the
/// session's next access token and refresh token, or the reason for
/// `invalid_grant`. Concurrent refreshes with one token, on any instances,
/// each get a working pair within the reuse grace; none forks the session.
pub async fn refresh(
    services: &Services,
    app_id: u64,
    presented: &str,
) -> Result<Result<TokenModel, &'static str>, Error> {
    let Some(token) = RefreshToken::parse(presented) else {
        return Ok(Err(REFUSED));
    };
    let (store, policy) = (&services.store, &services.config.sessions);
    for _ in 0..TRIES {
        let (app, user, session) = store
            .app_user_and_session(app_id, token.user_id, &token.session_id)
            .await?;
        let app = app.ok_or_else(|| Error::not_found(format!("There is no app with id {app_id}.")))?;
        let (Some(user), Some(mut session)) = (user, session) else {
            return Ok(Err(REFUSED));
        };
        if !user.session_is_live(Some(&session.id), 0) {
            return Ok(Err(REFUSED));
        }
        let now = clock::now();
        match session.refresh(&token, now, policy) {
            Refresh::Issued(next) => {
                if !store.save_session(&session).await? {
                    // Another refresh or an ending wrote it since: read again.
                    continue;
                }
                // The app's lifetime from the signing, within the session's end.
                let limits = Inherited {
                    auth_time: session.auth_time,
                    expires_at: session.expires_at,
                };
                let grant = GrantType::from(session.method);
                return services
                    .tokens
                    .issue(&app, &user, grant, Some(&session.id), limits, Some(next.text()))
                    .map(Ok);
            }
            Refresh::Reused => {
                tracing::warn!(
                    app_id,
                    user_id = user.id,
                    session_id = %session.id,
                    "a retired refresh token was presented after the grace; ending its session"
                );
                end(services, app_id, user.id, &session.id).await?;
                return Ok(Err(REUSED));
            }
            Refresh::Refused => return Ok(Err(REFUSED)),
        }
    }
    Err(busy())
}

/// Revokes `presented` (RFC 7009) for `app`: a refresh token the session
/// issued, or a live access token, ends its session and the sessions it
/// confirmed. Anything else changes nothing: revocation answers the same
/// either way, so it tells a caller nothing about tokens it does not hold.
pub async fn revoke(services: &Services, app_id: u64, presented: &str) -> Result<(), Error> {
    if let Some(token) = RefreshToken::parse(presented) {
        let (_, _, session) = services
            .store
            .app_user_and_session(app_id, token.user_id, &token.session_id)
            .await?;
        if let Some(session) = session.filter(|session| session.issued(&token)) {
            end(services, app_id, session.user_id, &session.id).await?;
        }
        return Ok(());
    }
    if let Ok(subject) = services.tokens.verify(presented, app_id)
        && let Some(session_id) = &subject.session_id
    {
        end(services, app_id, subject.user_id, session_id).await?;
    }
    Ok(())
}

/// `tokens`, of a session just started, if the step that had to follow
/// (`then`) succeeded; else that step's error, with the session ended
/// again so that nobody holds it.
pub async fn kept_if<T>(
    services: &Services,
    app_id: u64,
    tokens: TokenModel,
    then: Result<T, Error>,
) -> Result<TokenModel, Error> {
    let Err(err) = then else {
        return Ok(tokens);
    };
    if let Some(started) = tokens.refresh_token.as_deref().and_then(RefreshToken::parse) {
        let ended = services
            .store
            .end_sessions(app_id, started.user_id, &[started.session_id], None)
            .await;
        if let Err(ending) = ended {
            tracing::warn!(error = %ending, "could not end the session of a failed sign-in");
        }
    }
    Err(err)
}

/// Ends the user's session `session_id` and the sessions its tokens
/// confirmed (a QR page's); `false` when it was not live.
pub async fn end(services: &Services, app_id: u64, user_id: u64, session_id: &str) -> Result<bool, Error> {
    let store = &services.store;
    let sessions = store.sessions_of(app_id, user_id).await?;
    let Some(ended) = sessions.iter().find(|session| session.id == session_id) else {
        // Not stored (ended already): make sure it is not listed as live.
        store
            .end_sessions(app_id, user_id, &[session_id.to_owned()], None)
            .await?;
        return Ok(false);
    };
    let mut ending = vec![ended.id.clone()];
    // Children, and theirs: a page's session may confirm another page.
    let mut index = 0;
    while index < ending.len() {
        let parent = ending[index].clone();
        ending.extend(
            sessions
                .iter()
                .filter(|session| session.parent.as_deref() == Some(parent.as_str()))
                .map(|session| session.id.clone())
                .filter(|id| !ending.contains(id))
                .collect::<Vec<_>>(),
        );
        index += 1;
    }
    store.end_sessions(app_id, user_id, &ending, None).await?;
    Ok(true)
}

/// Ends every session of `user` (as just read), and the tokens from before
/// sessions existed (for the operator's CLI too, which has a store and no
/// services).
pub async fn end_all(store: &Store, user: &User) -> Result<(), Error> {
    let (app_id, user_id) = (user.app_id, user.id);
    let mut ids = store.session_ids_of(app_id, user_id).await?;
    let live: Vec<String> = user
        .sessions
        .iter()
        .filter(|id| !ids.contains(id))
        .cloned()
        .collect();
    ids.extend(live);
    Ok(store
        .end_sessions(app_id, user_id, &ids, Some(clock::now()))
        .await?)
}

fn busy() -> Error {
    Error::new(
        ErrorKind::Unavailable,
        "Other requests changed this session at the same time; retry in a moment.",
    )
}
