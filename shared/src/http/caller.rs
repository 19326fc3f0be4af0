//! What a route's caller must present, and what the handler then knows of
//! them. Each requirement is a type: a route declares one, and its
//! handler's context carries that requirement's caller.

use std::future::Future;

use crate::Services;
use crate::auth::token::Subject;
use crate::domain::{App, Error, User, clock};
use crate::flows::proof::UnionIdProver;
use crate::flows::signature;
use crate::http::request;
use crate::http::route::{Ctx, Incoming};

/// The requirements, as the route table lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presents {
    /// Anyone may call.
    Nothing,
    /// A Bearer token of a user of the app.
    Bearer,
    /// A union id, proven as the app's `unionIdProof` setting demands.
    UnionIdProof,
    /// A Bearer token of a user of the app, and a union id proven as for
    /// union-id sign-up.
    BearerAndUnionIdProof,
    /// The app backend's signature, or else a Bearer token of a user of the app.
    BearerOrSignature,
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

/// A Bearer token of a user of the app; the handler gets its subject.
/// Verifying it reads nothing: handlers read the user when they need it.
pub struct Bearer;

impl Requirement for Bearer {
    const PRESENTS: Presents = Presents::Bearer;
    type Caller<'a> = Subject;

    async fn present(services: &Services, incoming: &Incoming<'_>) -> Result<Subject, Error> {
        let bearer = request::bearer_token(incoming.request);
        services.tokens.authenticate(bearer, incoming.app.id)
    }
}

impl Ctx<'_, Bearer> {
    /// The user the Bearer token speaks for.
    pub async fn signed_in_user(&self) -> Result<User, Error> {
        self.services
            .store
            .user(self.app.id, self.caller.user_id)
            .await?
            .ok_or_else(Error::user_gone)
    }
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
    type Caller<'a> = (Subject, UnionIdProver<'a>);

    async fn present<'a>(
        services: &'a Services,
        incoming: &'a Incoming<'a>,
    ) -> Result<(Subject, UnionIdProver<'a>), Error> {
        let subject = Bearer::present(services, incoming).await?;
        Ok((subject, prover(services, incoming)))
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
        let (app, user) = store.app_and_user(app_ref.id, subject.user_id).await?;
        let app = app_ref.known(app)?;
        let user = user.ok_or_else(Error::user_gone)?;
        Ok(OnBehalf {
            app,
            caller: Caller::User(Box::new(user)),
        })
    }
}
