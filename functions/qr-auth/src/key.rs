//! Issuing a key (`QRCodePreSignIn`, `QR-Auth/Initiate`) and redeeming it
//! (`QRCodeSignIn`), and what every endpoint shares about keys: reading
//! `signInKey` and explaining refusals.

use oauthapp_shared::auth::token::{TOKEN_LIFETIME_SECONDS, TokenModel};
use oauthapp_shared::domain::qr::{QrRefusal, QrRequest, QrState, SignInKey};
use oauthapp_shared::domain::{Error, clock, validate};
use oauthapp_shared::http::{Anyone, Ctx, Json};
use oauthapp_shared::store::QrError;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRequest {
    pub sign_in_key: SignInKey,
}

#[derive(Deserialize)]
pub struct InitiateRequest {
    scopes: Option<String>,
    remark: Option<String>,
    scheme: Option<String>,
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
        QrError::Store(err) => err.into(),
    }
}

fn optional(value: Option<String>, check: impl Fn(&str) -> Result<(), Error>) -> Result<String, Error> {
    let value = value.unwrap_or_default();
    check(&value)?;
    Ok(value)
}

/// Issues a key for the web page to show as a QR code.
pub async fn initiate(ctx: Ctx<'_, Anyone>, Json(body): Json<InitiateRequest>) -> Result<u64, Error> {
    let services = ctx.services;
    let app = ctx.app.load(&services.store).await?;
    let request = QrRequest {
        scopes: optional(body.scopes, |s| validate::SCOPES.check("scopes", s))?,
        remark: optional(body.remark, |s| validate::text("remark", s, 200))?,
        scheme: optional(body.scheme, |s| validate::SCHEME.check("scheme", s))?,
    };
    let lifetime = services.config.qr_key_lifetime.as_secs() as i64;
    let key = services
        .store
        .create_qr_key(app.id, request, clock::now(), lifetime)
        .await?;
    Ok(key.key)
}

/// The web page's poll: the token of the user who confirmed, exactly once.
/// A poll is one strongly consistent read; only a confirmed key costs the
/// conditional write that redeems it.
/// It needs only the app id, which the key item checks: no app read.
pub async fn qr_code_sign_in(
    ctx: Ctx<'_, Anyone>,
    Json(body): Json<KeyRequest>,
) -> Result<TokenModel, Error> {
    let (key, now, app_id) = (body.sign_in_key.0, clock::now(), ctx.app.id);
    let store = &ctx.services.store;
    store
        .qr_key_in_state(key, app_id, now, QrState::Confirmed)
        .await
        .map_err(refused)?;
    let access_token = store.redeem_qr_key(key, app_id, now).await.map_err(refused)?;
    Ok(TokenModel {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: TOKEN_LIFETIME_SECONDS,
    })
}
