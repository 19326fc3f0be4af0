//! Issuing a key (`QRCodePreSignIn`, `QR-Auth/Initiate`) and redeeming it
//! (`QRCodeSignIn`), and what every endpoint shares about keys: reading
//! `signInKey` and explaining refusals.

use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::qr::{
    CodeChallenge, CodeChallengeMethod, CodeVerifier, Holding, QrRefusal, QrRequest, QrState, ScanTicket,
    SignInKey,
};
use oauthapp_shared::domain::session::SignInMethod;
use oauthapp_shared::domain::{Error, QrMode, clock, validate};
use oauthapp_shared::flows::session::{self, SignIn};
use oauthapp_shared::http::{Anyone, Ctx, Json};
use oauthapp_shared::store::QrError;
use serde::Deserialize;

/// A key, and the scan ticket of the device that claimed it, if any.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRequest {
    pub sign_in_key: SignInKey,
    pub scan_ticket: Option<ScanTicket>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateRequest {
    scopes: Option<String>,
    remark: Option<String>,
    scheme: Option<String>,
    code_challenge: Option<CodeChallenge>,
    /// Only `S256`, the method of every `CodeChallenge`: read to refuse others.
    #[serde(rename = "codeChallengeMethod")]
    _code_challenge_method: Option<CodeChallengeMethod>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PollRequest {
    sign_in_key: SignInKey,
    code_verifier: Option<CodeVerifier>,
}

/// The answer for a key that cannot take the step asked of it.
pub fn refused(err: QrError) -> Error {
    match err {
        QrError::Refused(QrRefusal::Unknown) => Error::not_found("There is no such signInKey for this app."),
        QrError::Refused(QrRefusal::Expired) => {
            Error::invalid("The signInKey has expired; the web page must request a new one.")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Created)) => {
            Error::conflict("The QR code has not been scanned yet (请扫码).")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Scanned)) => {
            Error::conflict("The QR code was scanned; waiting for the user to confirm (登陆中).")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Confirmed)) => {
            Error::conflict("The signInKey was confirmed already.")
        }
        QrError::Refused(QrRefusal::WrongState(QrState::Redeemed)) => {
            Error::invalid("The signInKey has been used already; the web page must request a new one.")
        }
        QrError::Refused(QrRefusal::WrongScanTicket) => Error::forbidden(
            "The scanTicket is missing or is not the one the scan of this signInKey answered: only the device \
             that scanned the code may confirm it.",
        ),
        QrError::Refused(QrRefusal::WrongCodeVerifier) => Error::unauthenticated(
            "The codeVerifier is missing or does not match the codeChallenge the signInKey was issued with.",
        ),
        QrError::Store(err) => err.into(),
    }
}

fn optional(value: Option<String>, check: impl Fn(&str) -> Result<(), Error>) -> Result<String, Error> {
    let value = value.unwrap_or_default();
    check(&value)?;
    Ok(value)
}

/// Issues a key for the web page to show as a QR code. A strict app's page
/// binds the key to itself with a code challenge; a legacy app's page may.
pub async fn initiate(ctx: Ctx<'_, Anyone>, Json(body): Json<InitiateRequest>) -> Result<u64, Error> {
    let services = ctx.services;
    let app = ctx.app.load(&services.store).await?;
    if app.qr_mode == QrMode::Strict && body.code_challenge.is_none() {
        return Err(Error::invalid(
            "`codeChallenge` is required: the base64url (no padding) SHA-256 of a codeVerifier the web page \
             keeps for QRCodeSignIn (PKCE, S256).",
        ));
    }
    let request = QrRequest {
        scopes: optional(body.scopes, |s| validate::SCOPES.check("scopes", s))?,
        remark: optional(body.remark, |s| validate::text("remark", s, 200))?,
        scheme: optional(body.scheme, |s| validate::SCHEME.check("scheme", s))?,
    };
    let lifetime = services.config.qr_key_lifetime.as_secs() as i64;
    let key = services
        .store
        .create_qr_key(app.id, request, body.code_challenge, clock::now(), lifetime)
        .await?;
    Ok(key.key)
}

/// The web page's poll: a token for the user who confirmed, exactly once,
/// to the page holding the key's code verifier (if it was issued with a
/// challenge). A poll is one strongly consistent read, which needs only the
/// app id (the key item checks it); only a confirmed key costs the read of
/// the app and user and the conditional write that redeems it. The token is
/// minted here, so none is ever stored.
pub async fn qr_code_sign_in(
    ctx: Ctx<'_, Anyone>,
    Json(body): Json<PollRequest>,
) -> Result<TokenModel, Error> {
    let (key, now, app_id) = (body.sign_in_key.0, clock::now(), ctx.app.id);
    let services = ctx.services;
    let store = &services.store;
    let challenge = body.code_verifier.as_ref().map(CodeVerifier::challenge);
    let holding = Holding::CodeVerifier(challenge.as_ref());
    let confirmed = store
        .qr_key_in_state(key, app_id, now, QrState::Confirmed, holding)
        .await
        .map_err(refused)?;
    let user_id = confirmed
        .user_id
        .ok_or_else(|| Error::internal(format!("confirmed QR key {key} has no user")))?;
    let (app, user) = ctx
        .app
        .load_with(store.user(app_id, user_id), store.app_and_user(app_id, user_id))
        .await?;
    let user =
        user.ok_or_else(|| Error::not_found("The user who confirmed this signInKey no longer exists."))?;
    let sign_in = SignIn {
        app: &app,
        user: &user,
        method: SignInMethod::QrCode,
        client: &ctx.client,
        binding: None,
    };
    // The page's session starts before the key is redeemed, and ends again
    // if redeeming fails: a poll that fails leaves the key to poll again.
    let tokens = match confirmed.presented() {
        // Confirmed by presenting a token: the page's session keeps its
        // sign-in time, its first token lives no longer, and it ends with
        // the presenting session.
        Some(presented) => session::start_presented(services, sign_in, &presented).await?,
        None => session::start(services, sign_in).await?,
    };
    let redeemed = store.redeem_qr_key(key, app_id, now, challenge.as_ref()).await;
    session::kept_if(services, app_id, tokens, redeemed.map_err(refused)).await
}
