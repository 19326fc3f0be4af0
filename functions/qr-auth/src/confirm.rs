//! Confirming a scanned key for a user: `QR-Auth/Confirm-Login` for a user
//! signed in on the mini-program, `QRCodeSignUp` / `QR-Auth/Confirm-Register`
//! to register (or, for a known unionID, sign in) and confirm in one step.
//! Either way the key stores the confirming user (the web page's poll mints
//! its token), and the response is a token for the mini-program side. A key
//! claimed by a scan is confirmed only with that scan's ticket.

use oauthapp_shared::auth::signature::Signed;
use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::qr::{Holding, QrState, ScanTicket, SignInKey};
use oauthapp_shared::domain::session::{Presented, SignInMethod};
use oauthapp_shared::domain::{App, Error, UnionIdOwner, User, clock, validate};
use oauthapp_shared::flows::proof::UnionIdClaim;
use oauthapp_shared::flows::registration::{ProfileFields, creation_error};
use oauthapp_shared::flows::session::{self, SignIn};
use oauthapp_shared::flows::sign_in::{disabled_binding, remember_open_id};
use oauthapp_shared::http::{Bearer, Ctx, Json, UnionIdProof};
use oauthapp_shared::store::{Confirmation, CreateUserError, Store};
use serde::Deserialize;

use crate::key::{KeyRequest, refused};

/// Platform of users who register through the mini-program.
const MINI_PROGRAM: &str = "wxminip";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    sign_in_key: SignInKey,
    scan_ticket: Option<ScanTicket>,
    #[serde(rename = "unionID")]
    union_id: Option<String>,
    /// A `wx.login` code, for apps that prove union ids with one.
    code: Option<String>,
    platform: Option<String>,
    user_name: Option<String>,
    #[serde(default)]
    email_is_valid: bool,
    #[serde(default)]
    phone_is_valid: bool,
}

/// Binds the key to its confirmation, if `ticket` is the key's.
async fn confirm(
    store: &Store,
    app: &App,
    key: SignInKey,
    ticket: Option<&ScanTicket>,
    confirmation: Confirmation,
) -> Result<(), Error> {
    let hash = ticket.map(ScanTicket::hash);
    store
        .confirm_qr_key(key.0, app.id, clock::now(), hash.as_ref(), confirmation)
        .await
        .map_err(refused)
}

/// `QR-Auth/Confirm-Login`: the Bearer token's user signs the web page in.
/// Both tokens this yields (the mini-program's now, the page's at its poll)
/// inherit the presented token's sign-in time and expire no later than it,
/// so presenting a token never renews it.
pub async fn confirm_login(ctx: Ctx<'_, Bearer>, Json(body): Json<KeyRequest>) -> Result<TokenModel, Error> {
    let services = ctx.services;
    let app = &ctx.app.load(&services.store).await?;
    let user = &ctx.caller.user;
    let presented = Presented::from(&ctx.caller.subject);
    // Minted first: a token expired within the leeway confirms nothing.
    let mini = session::presented_token(services, app, user, &presented)?;
    // The presenting session's own token: nothing to end if confirming fails.
    let confirmation = Confirmation {
        user_id: user.id,
        inherits: Some(presented),
    };
    confirm(
        &services.store,
        app,
        body.sign_in_key,
        body.scan_ticket.as_ref(),
        confirmation,
    )
    .await?;
    Ok(mini)
}

/// The registered owner of the unionID, if this path may sign them in: it
/// has no field for a second factor, and a disabled binding signs in nobody.
fn signing_in((owner, user): (UnionIdOwner, User)) -> Result<User, Error> {
    if !owner.enable {
        return Err(disabled_binding());
    }
    if user.two_factor.is_on() {
        return Err(Error::unauthenticated(
            "Two-factor sign-in is on for this user: sign in on the mini-program with the code, then confirm \
             the key with QR-Auth/Confirm-Login.",
        ));
    }
    Ok(user)
}

/// `QRCodeSignUp` / `QR-Auth/Confirm-Register`: registers the user proven
/// by the app's union-id proof, or signs in the one who has that unionID
/// already, and confirms the key for them.
pub async fn confirm_register(
    ctx: Ctx<'_, UnionIdProof>,
    (Json(body), Json(profile)): (Json<RegisterRequest>, Json<ProfileFields>),
) -> Result<TokenModel, Error> {
    let services = ctx.services;
    let app = &ctx.app.load(&services.store).await?;
    let claim = UnionIdClaim::new(body.union_id.as_deref(), body.code.as_deref())?;
    let user_name = body.user_name.filter(|name| !name.is_empty());
    if let Some(user_name) = &user_name {
        validate::user_name(user_name)?;
    }
    let phone = profile.phone.as_deref().unwrap_or_default();
    if !phone.is_empty() && (phone.len() != 11 || !phone.chars().all(|c| c.is_ascii_digit())) {
        return Err(Error::invalid("`phone` must be 11 digits."));
    }
    let platform = body
        .platform
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| MINI_PROGRAM.to_owned());
    let (mut new_user, codes) = profile.into_new_user(Some(platform.clone()))?;
    let now = clock::now();
    let store = &services.store;
    // Refuse a key that cannot be confirmed before creating anyone, or
    // spending a login code.
    let hash = body.scan_ticket.as_ref().map(ScanTicket::hash);
    store
        .qr_key_in_state(
            body.sign_in_key.0,
            app.id,
            now,
            QrState::Scanned,
            Holding::ScanTicket(hash.as_ref()),
        )
        .await
        .map_err(refused)?;
    let proven = ctx.caller.prove(app, claim).await?;
    let signed = proven.signed == Signed::Yes;
    let union_id = &proven.union_id;

    let user = match store.user_by_union_id(app.id, &platform, union_id).await? {
        Some(owner) => signing_in(owner)?,
        None => {
            new_user.union_id = Some(union_id.clone());
            new_user.wechat_open_id = proven.wechat_open_id.clone();
            new_user.wechat_union_id = proven.wechat_union_id.clone();
            new_user.user_name = user_name;
            // Only the app's backend may vouch that an address was verified.
            new_user.email_is_valid = signed && body.email_is_valid;
            new_user.phone_is_valid = signed && body.phone_is_valid;
            codes.verify(services, app, &mut new_user).await?;
            match store.create_user(app.id, new_user, now).await {
                Ok(user) => user,
                // Registered by a concurrent request: that user signs in.
                Err(CreateUserError::UnionIdTaken) => signing_in(
                    store
                        .user_by_union_id(app.id, &platform, union_id)
                        .await?
                        .ok_or_else(|| Error::internal("union-id guard without its user"))?,
                )?,
                Err(err) => return Err(creation_error(err)),
            }
        }
    };
    remember_open_id(services, &user, &proven).await?;
    let sign_in = SignIn {
        app,
        user: &user,
        method: SignInMethod::QrCode,
        client: &ctx.client,
        binding: None,
    };
    // The mini-program's session starts before the key is confirmed, and
    // ends again if confirming fails: a retry finds the key as it was.
    let tokens = session::start(services, sign_in).await?;
    let confirmation = Confirmation {
        user_id: user.id,
        inherits: None,
    };
    let confirmed = confirm(
        store,
        app,
        body.sign_in_key,
        body.scan_ticket.as_ref(),
        confirmation,
    )
    .await;
    session::kept_if(services, app.id, tokens, confirmed).await
}
