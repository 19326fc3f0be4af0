//! What every sign-in shares once it knows which credential it names: that
//! credential's lockout, whose attempt is reserved before anything is
//! checked, the second factor of users who turned it on, and giving the
//! attempts back on success. Password, union-id and external
//! account sign-ins all go through `SignInAttempt`.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::Services;
use crate::auth::token::TokenModel;
use crate::auth::two_factor::{self, CODE_DIGITS};
use crate::domain::lockout::{Credential, locked};
use crate::domain::session::{Client, SignInMethod};
use crate::domain::{Error, UnionIdOwner, User, clock, validate};
use crate::flows::app::AppRef;
use crate::flows::proof::{ProvenUnionId, UnionIdClaim, UnionIdProver};
use crate::flows::session::{self, SignIn};
use crate::store::Reservation;

/// One attempt with one credential of one app, reserved before anything is
/// checked (see `domain::lockout`). Dropped without `succeed`, it counts as
/// a failure: nothing needs writing for that.
pub struct SignInAttempt<'a> {
    services: &'a Services,
    app_id: u64,
    credential: Credential<'a>,
    /// The start of the window the attempt counts in.
    since: i64,
    /// Whether it is the window's first attempt.
    first: bool,
    now: i64,
}

impl<'a> SignInAttempt<'a> {
    /// Reserves an attempt with `credential` and reads the item it counts
    /// on (a `Login`, `UnionIdOwner` or `User`) with the same write;
    /// `missing` when a binding or user does not exist. Refused, with
    /// nothing checked, while the credential is locked.
    pub async fn reserve<T: DeserializeOwned>(
        services: &'a Services,
        app_id: u64,
        credential: Credential<'a>,
        missing: impl FnOnce() -> Error,
    ) -> Result<(Self, T), Error> {
        let now = clock::now();
        let reservation = services
            .store
            .reserve_attempt(app_id, credential, services.config.lockout, now)
            .await?;
        match reservation {
            Reservation::Reserved { item, state } => {
                let attempt = Self {
                    services,
                    app_id,
                    credential,
                    since: state.attempts_since.unwrap_or(now),
                    first: state.attempts == 1,
                    now,
                };
                Ok((attempt, item))
            }
            Reservation::Locked { until } => Err(locked(until, now)),
            Reservation::Missing => Err(missing()),
        }
    }

    /// For a user name nobody registered: lets its attempts expire a window
    /// after the current one ends, written once per window.
    pub async fn expire_unregistered(&self) -> Result<(), Error> {
        match self.credential {
            Credential::UserName(name) if self.first => {
                let at = self.services.config.lockout.expiry(self.since);
                Ok(self
                    .services
                    .store
                    .expire_unregistered(self.app_id, name, at)
                    .await?)
            }
            _ => Ok(()),
        }
    }

    /// Checks the second factor of `user`: with two-factor sign-in on,
    /// `code` must be right. A missing or wrong code fails the attempt.
    pub fn check(self, user: &User, code: Option<&str>) -> Result<Checked<'a>, Error> {
        let Some(sealed) = user.two_factor.totp_secret.clone() else {
            return Ok(Checked {
                attempt: self,
                user_id: user.id,
                code: None,
            });
        };
        let Some(code) = code else {
            return Err(Error::unauthenticated(
                "Two-factor sign-in is on for this user: send `twoFactorCode`, the 6-digit code from the \
                 authenticator app.",
            ));
        };
        let secret = self.services.totp_secrets()?.open(user, &sealed)?;
        let Some(step) = two_factor::matching_step(secret, code, self.now)? else {
            return Err(Error::unauthenticated(
                "The two-factor code is wrong or expired; send the code the authenticator app shows now.",
            ));
        };
        Ok(Checked {
            attempt: self,
            user_id: user.id,
            code: Some((sealed, step)),
        })
    }
}

/// An attempt whose credentials and code are right, to succeed once the
/// session it signs in to has started.
pub struct Checked<'a> {
    attempt: SignInAttempt<'a>,
    user_id: u64,
    /// The secret (as read) and time step of the code, if one was needed.
    code: Option<(String, u64)>,
}

impl Checked<'_> {
    /// Gives the attempt back; a code is spent in the same transaction, so
    /// each code signs in once. Fails when the code was spent meanwhile.
    pub async fn succeed(self) -> Result<(), Error> {
        let attempt = self.attempt;
        let store = &attempt.services.store;
        let Some((sealed, step)) = self.code else {
            return Ok(store
                .release_attempts(attempt.app_id, attempt.credential, attempt.since)
                .await?);
        };
        if store
            .sign_in_with_code(attempt.app_id, self.user_id, (&sealed, step), attempt.credential)
            .await?
        {
            Ok(())
        } else {
            Err(Error::unauthenticated(
                "This two-factor code was used already; wait for the authenticator app's next code.",
            ))
        }
    }
}

/// Signs `sign_in`'s user in once `checked` succeeds: the session starts
/// first and ends again if the attempt cannot succeed (a code spent
/// meanwhile), so a failure leaves neither a session nor a spent code.
pub async fn signed_in(
    services: &Services,
    sign_in: SignIn<'_>,
    checked: Checked<'_>,
) -> Result<TokenModel, Error> {
    let app_id = sign_in.app.id;
    let tokens = session::start(services, sign_in).await?;
    session::kept_if(services, app_id, tokens, checked.succeed().await).await
}

/// A `twoFactorCode` as sent: empty or absent is none, anything else must be
/// 6 digits.
pub fn two_factor_code(code: Option<String>) -> Result<Option<String>, Error> {
    match code.filter(|code| !code.is_empty()) {
        None => Ok(None),
        Some(code) if two_factor::is_code(&code) => Ok(Some(code)),
        Some(_) => Err(Error::invalid(format!(
            "`twoFactorCode` must be {CODE_DIGITS} digits."
        ))),
    }
}

/// The body of `UnionIDSignIn` and of the external-account `SignIn`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnionIdSignInRequest {
    platform: String,
    #[serde(rename = "unionID")]
    union_id: Option<String>,
    /// A `wx.login` code, for apps that prove union ids with one.
    code: Option<String>,
    /// Required once the user turned two-factor sign-in on.
    two_factor_code: Option<String>,
}

/// Signs in the user who owns the body's (platform, unionID) in the app,
/// proven as the app's `unionIdProof` demands, through an enabled binding.
/// `not_bound` is the answer when nobody owns the pair.
pub async fn union_id_sign_in(
    services: &Services,
    app_ref: &AppRef,
    prover: &UnionIdProver<'_>,
    body: UnionIdSignInRequest,
    (method, not_bound): (SignInMethod, &'static str),
    client: &Client,
) -> Result<TokenModel, Error> {
    validate::platform(&body.platform)?;
    let claim = UnionIdClaim::new(body.union_id.as_deref(), body.code.as_deref())?;
    let code = two_factor_code(body.two_factor_code)?;
    let store = &services.store;
    let app_id = app_ref.id;
    // A named pair's owner is read with the app; a pair WeChat names is
    // known only after the proof.
    let (app, owner) = match claim.union_id {
        Some(union_id) => {
            app_ref
                .load_with(
                    store.union_id_owner(app_id, &body.platform, union_id),
                    store.app_and_union_id_owner(app_id, &body.platform, union_id),
                )
                .await?
        }
        None => (app_ref.load(store).await?, None),
    };
    let proven = prover.prove(&app, claim).await?;
    let owner = match claim.union_id {
        Some(_) => owner,
        None => {
            store
                .union_id_owner(app_id, &body.platform, &proven.union_id)
                .await?
        }
    };
    let owner = owner.ok_or_else(|| Error::not_found(not_bound))?;
    if !owner.enable {
        return Err(disabled_binding());
    }
    let user = store
        .user(app_id, owner.user_id)
        .await?
        .ok_or_else(|| Error::not_found(not_bound))?;
    // The proof is the app's or WeChat's: only a second factor is guessed here.
    let checked = if user.two_factor.is_on() {
        let credential = Credential::UnionId {
            platform: &body.platform,
            union_id: &proven.union_id,
        };
        let (attempt, owner) = SignInAttempt::reserve::<UnionIdOwner>(services, app_id, credential, || {
            Error::not_found(not_bound)
        })
        .await?;
        if !owner.enable {
            return Err(disabled_binding());
        }
        Some(attempt.check(&user, code.as_deref())?)
    } else {
        None
    };
    remember_open_id(services, &user, &proven).await?;
    let sign_in = SignIn {
        app: &app,
        user: &user,
        method,
        client,
        binding: Some(owner.binding_id).filter(|&id| id != 0),
    };
    match checked {
        Some(checked) => signed_in(services, sign_in, checked).await,
        None => session::start(services, sign_in).await,
    }
}

/// Keeps the mini-program openid a login code proved for `user`, when it
/// is new: it decides whom the user may send subscribe messages to.
pub async fn remember_open_id(services: &Services, user: &User, proven: &ProvenUnionId) -> Result<(), Error> {
    match &proven.wechat_open_id {
        Some(open_id)
            if user.wechat_open_id.as_ref() != Some(open_id)
                || user.wechat_union_id != proven.wechat_union_id =>
        {
            services
                .store
                .remember_wechat_open_id(user.app_id, user.id, open_id, proven.wechat_union_id.as_deref())
                .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The refusal for a binding its user turned off.
pub fn disabled_binding() -> Error {
    Error::forbidden(
        "This external account is disabled for sign-in; its user can enable it again with PUT \
         /ExternalAccount/{appKey}/{id}.",
    )
}
