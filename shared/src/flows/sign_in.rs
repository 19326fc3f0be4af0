//! What every sign-in shares once it knows which credential it names: that
//! credential's lockout, the second factor of users who turned it on, and
//! forgetting earlier failures on success. Password, union-id and external
//! account sign-ins all go through `SignInAttempt`.

use serde::Deserialize;

use crate::Services;
use crate::auth::token::{GrantType, TokenModel};
use crate::auth::two_factor::{self, CODE_DIGITS};
use crate::domain::lockout::{Credential, LockStatus, LockoutState, lock_status};
use crate::domain::{Error, User, clock, validate};
use crate::flows::app::AppRef;
use crate::flows::proof::{ProvenUnionId, UnionIdClaim, UnionIdProver};

/// One sign-in with one credential of one app.
pub struct SignInAttempt<'a> {
    services: &'a Services,
    app_id: u64,
    credential: Credential<'a>,
    lockout: Option<LockoutState>,
    registered: bool,
    now: i64,
}

impl<'a> SignInAttempt<'a> {
    /// Starts a sign-in with `credential`, whose lockout state was read as
    /// `lockout` (`None`: it has no item yet); `registered` says whether it
    /// belongs to a user. Refused while the credential is locked.
    pub fn start(
        services: &'a Services,
        app_id: u64,
        credential: Credential<'a>,
        lockout: Option<LockoutState>,
        registered: bool,
    ) -> Result<Self, Error> {
        let now = clock::now();
        if let Some(LockStatus::Locked { until }) = lockout.as_ref().map(|state| lock_status(state, now)) {
            let minutes = (until - now + 59) / 60;
            return Err(Error::too_many_attempts(format!(
                "Too many failed sign-ins for this account; try again in {minutes} minute(s)."
            )));
        }
        Ok(Self {
            services,
            app_id,
            credential,
            lockout,
            registered,
            now,
        })
    }

    /// Counts a failed attempt; answers with `refusal`.
    pub async fn fail<T>(&self, refusal: Error) -> Result<T, Error> {
        self.services
            .store
            .record_sign_in_failure(
                self.app_id,
                self.credential,
                self.lockout.clone(),
                self.registered,
                self.services.config.lockout,
                self.now,
            )
            .await?;
        Err(refusal)
    }

    /// Checks `code` when `user` has two-factor sign-in on, and spends it:
    /// each code signs in once. A wrong or spent code counts as a failure.
    pub async fn second_factor(&self, user: &User, code: Option<&str>) -> Result<(), Error> {
        let Some(sealed) = user.two_factor.totp_secret.as_deref() else {
            return Ok(());
        };
        let Some(code) = code else {
            return Err(Error::unauthenticated(
                "Two-factor sign-in is on for this user: send `twoFactorCode`, the 6-digit code from the \
                 authenticator app.",
            ));
        };
        let secret = self.services.totp_secrets.open(user, sealed)?;
        let Some(step) = two_factor::matching_step(secret, code, self.now)? else {
            return self
                .fail(Error::unauthenticated(
                    "The two-factor code is wrong or expired; send the code the authenticator app shows now.",
                ))
                .await;
        };
        let store = &self.services.store;
        if !store
            .use_two_factor_code(self.app_id, user.id, sealed, step)
            .await?
        {
            return self
                .fail(Error::unauthenticated(
                    "This two-factor code was used already; wait for the authenticator app's next code.",
                ))
                .await;
        }
        Ok(())
    }

    /// The sign-in succeeded: earlier failures no longer count.
    pub async fn succeed(self) -> Result<(), Error> {
        let failed_before = self
            .lockout
            .is_some_and(|state| !state.failures.is_empty() || state.locked_until.is_some());
        if failed_before {
            self.services
                .store
                .clear_sign_in_failures(self.app_id, self.credential)
                .await?;
        }
        Ok(())
    }
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
    not_bound: &'static str,
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
            store
                .app_and_union_id_owner(app_id, &body.platform, union_id)
                .await?
        }
        None => (store.app(app_id).await?, None),
    };
    let app = app_ref.known(app)?;
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
    let credential = Credential::UnionId {
        platform: &body.platform,
        union_id: &proven.union_id,
    };
    let attempt = SignInAttempt::start(services, app_id, credential, Some(owner.lockout), true)?;
    if !owner.enable {
        return Err(disabled_binding());
    }
    let user = store
        .user(app_id, owner.user_id)
        .await?
        .ok_or_else(|| Error::not_found(not_bound))?;
    attempt.second_factor(&user, code.as_deref()).await?;
    attempt.succeed().await?;
    remember_open_id(services, &user, &proven).await?;
    services.tokens.issue(&app, &user, GrantType::UnionId)
}

/// Keeps the mini-program openid a login code proved for `user`, when it
/// is new: it decides whom the user may send subscribe messages to.
pub async fn remember_open_id(services: &Services, user: &User, proven: &ProvenUnionId) -> Result<(), Error> {
    match &proven.wechat_open_id {
        Some(open_id) if user.wechat_open_id.as_ref() != Some(open_id) => {
            services
                .store
                .remember_wechat_open_id(user.app_id, user.id, open_id)
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
