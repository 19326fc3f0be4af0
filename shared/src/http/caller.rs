//! What a route's caller must present, and what the handler then knows of
//! them. Each requirement is a type: a route declares one, and its
//! handler's context carries that requirement's caller.

use std::future::Future;

use crate::Services;
use crate::auth::signature::Signed;
use crate::auth::token::Subject;
use crate::domain::{App, Error, User, clock};
use crate::flows::app::AppRef;
use crate::flows::proof::UnionIdProver;
use crate::flows::signature;
use crate::http::request;
use crate::http::route::Incoming;

/// The requirements, as the route table lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presents {
    /// Anyone may call.
    Nothing,
    /// Anyone may read: a public document served from memory.
    PublicDocument,
    /// A Bearer token of a user of the app.
    Bearer,
    /// A union id, proven as the app's `unionIdProof` setting demands.
    UnionIdProof,
    /// A Bearer token of a user of the app, and a union id proven as for
    /// union-id sign-up.
    BearerAndUnionIdProof,
    /// The app backend's signature, or else a Bearer token of a user of the app.
    BearerOrSignature,
    /// A Bearer token of a user of the app and the app backend's signature
    /// in the query, covering that token.
    BearerAndQuerySignature,
}

/// A requirement a route may declare.
pub trait Requirement: Send + Sync + 'static {
    const PRESENTS: Presents;
    /// What the handler knows of the caller once it presented this.
    type Caller<'a>: Send;

    fn present<'a>(
        services: &'a Services,
        incoming: &'a Incoming<'a>,
    ) -> impl Future<Output = Result<Self::Caller<'a>, Error>> + Send + 'a;
}

/// Nothing to present.
pub struct Anyone;

impl Requirement for Anyone {
    const PRESENTS: Presents = Presents::Nothing;
    type Caller<'a> = ();

    async fn present(_: &Services, _: &Incoming<'_>) -> Result<(), Error> {
        Ok(())
    }
}

/// A Bearer token of a user of the app, of a session that has not ended.
/// Checking it is one read of the app and the user together (the user item
/// lists the live sessions), so the handler has both.
pub struct Bearer;

/// Who a Bearer token speaks for, as checked: the token's subject and the
/// user, read when the token was.
pub struct SignedIn {
    pub subject: Subject,
    pub user: User,
}

impl SignedIn {
    /// Refuses a token whose sign-in is older than `within`: what a stolen
    /// token must not be enough for (`action`, e.g. "Deleting the account")
    /// needs the user to have signed in just now.
    pub fn require_recent_sign_in(&self, within: std::time::Duration, action: &str) -> Result<(), Error> {
        if self.subject.signed_in_within(within, crate::domain::clock::now()) {
            Ok(())
        } else {
            Err(Error::unauthenticated(format!(
                "{action} needs a recent sign-in: sign in again for a new token."
            )))
        }
    }
}

impl Requirement for Bearer {
    const PRESENTS: Presents = Presents::Bearer;
    type Caller<'a> = SignedIn;

    async fn present(services: &Services, incoming: &Incoming<'_>) -> Result<SignedIn, Error> {
        let bearer = request::bearer_token(incoming.request);
        let subject = services.tokens.authenticate(bearer, incoming.app.id)?;
        signed_in(services, &incoming.app, subject).await
    }
}

/// The user of `subject`, read with the app, if the token's session is live.
async fn signed_in(services: &Services, app: &AppRef, subject: Subject) -> Result<SignedIn, Error> {
    let (found, user) = services.store.app_and_user(app.id, subject.user_id).await?;
    app.known(found)?;
    let user = user.ok_or_else(Error::user_gone)?;
    if !user.session_is_live(subject.session_id.as_deref(), subject.issued_at) {
        return Err(Error::unauthenticated(
            "This access token's session has ended (signed out, or ended from another device); sign in again.",
        ));
    }
    Ok(SignedIn { subject, user })
}

/// A union id, proven as the app demands. The proof needs the app and the
/// body's claim, so the handler runs it with the prover it is handed.
pub struct UnionIdProof;

fn prover<'a>(services: &'a Services, incoming: &'a Incoming<'a>) -> UnionIdProver<'a> {
    UnionIdProver {
        per_ip: incoming.per_ip(services),
        wechat: &services.wechat,
        request: request::signed_request(incoming.request),
    }
}

impl Requirement for UnionIdProof {
    const PRESENTS: Presents = Presents::UnionIdProof;
    type Caller<'a> = UnionIdProver<'a>;

    async fn present<'a>(
        services: &'a Services,
        incoming: &'a Incoming<'a>,
    ) -> Result<UnionIdProver<'a>, Error> {
        Ok(prover(services, incoming))
    }
}

/// A signed-in user who binds a union id proven as for sign-up.
pub struct BearerAndUnionIdProof;

impl Requirement for BearerAndUnionIdProof {
    const PRESENTS: Presents = Presents::BearerAndUnionIdProof;
    type Caller<'a> = (SignedIn, UnionIdProver<'a>);

    async fn present<'a>(
        services: &'a Services,
        incoming: &'a Incoming<'a>,
    ) -> Result<(SignedIn, UnionIdProver<'a>), Error> {
        let signed_in = Bearer::present(services, incoming).await?;
        Ok((signed_in, prover(services, incoming)))
    }
}

/// A user's request that the app's backend vouched for: a Bearer token and
/// the backend's signature in the query (`timestamp`, `nonce`, `signature`),
/// which covers the Authorization header, so it vouches for this user only.
pub struct BearerAndQuerySignature;

/// The app, read with the user, and the user the signed token speaks for.
pub struct Vouched {
    pub app: App,
    pub user: User,
}

impl Requirement for BearerAndQuerySignature {
    const PRESENTS: Presents = Presents::BearerAndQuerySignature;
    type Caller<'a> = Vouched;

    async fn present(services: &Services, incoming: &Incoming<'_>) -> Result<Vouched, Error> {
        let SignedIn { user, .. } = Bearer::present(services, incoming).await?;
        // Read with the user, so this reads nothing.
        let app = incoming.app.load(&services.store).await?;
        let mut target = String::new();
        let signed = request::query_signed_request(incoming.request, &mut target);
        match signature::verify(&incoming.per_ip(services), &app, &signed, clock::now()).await? {
            Signed::Yes => Ok(Vouched { app, user }),
            Signed::No => Err(Error::unauthenticated(
                "This change needs the app backend's signature: query parameters `timestamp`, `nonce` and \
                 `signature`.",
            )),
        }
    }
}

/// Who calls an endpoint that spends the app's WeChat quota.
pub enum Caller {
    /// The app's backend, by the request signature: may act for anyone.
    Backend,
    /// A user, by a Bearer token of this app: may act for themselves only.
    User(Box<User>),
}

/// The app and who calls for it, on a `BearerOrSignature` route.
pub struct OnBehalf {
    pub app: App,
    pub caller: Caller,
}

/// The app backend's signature (headers that are sent must verify), or
/// else a Bearer token of a user of the app.
pub struct BearerOrSignature;

impl Requirement for BearerOrSignature {
    const PRESENTS: Presents = Presents::BearerOrSignature;
    type Caller<'a> = OnBehalf;

    async fn present(services: &Services, incoming: &Incoming<'_>) -> Result<OnBehalf, Error> {
        let store = &services.store;
        let app_ref = &incoming.app;
        let signed = request::signed_request(incoming.request);
        if signed.present() {
            let app = app_ref.load(store).await?;
            // Headers that are present either verify (once) or are refused.
            signature::verify(&incoming.per_ip(services), &app, &signed, clock::now()).await?;
            return Ok(OnBehalf {
                app,
                caller: Caller::Backend,
            });
        }
        let bearer = request::bearer_token(incoming.request);
        let subject = services.tokens.authenticate(bearer, app_ref.id).map_err(|err| {
            Error::unauthenticated(format!(
                "{} The app's backend may instead sign the request (X-OAuthApp-Timestamp, X-OAuthApp-Nonce, X-OAuthApp-Signature).",
                err.message()
            ))
        })?;
        let SignedIn { user, .. } = signed_in(services, app_ref, subject).await?;
        Ok(OnBehalf {
            app: app_ref.load(store).await?,
            caller: Caller::User(Box::new(user)),
        })
    }
}
