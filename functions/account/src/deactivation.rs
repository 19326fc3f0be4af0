//! `DeactivateHard`: the signed-in user deletes their account, for good
//! (see `store::erasure` for what goes and what the ledger keeps).

use oauthapp_shared::domain::{Error, clock};
use oauthapp_shared::http::{Bearer, Ctx};
use oauthapp_shared::store::Erasure;

/// Needs a recent sign-in: a stolen token must not be enough to destroy
/// the account.
pub async fn deactivate_hard(ctx: Ctx<'_, Bearer>, (): ()) -> Result<bool, Error> {
    let services = ctx.services;
    ctx.caller
        .require_recent_sign_in(services.config.recent_sign_in, "Deleting the account")?;
    match services
        .store
        .erase_user(ctx.app.id, ctx.caller.user.id, clock::now())
        .await?
    {
        Erasure::Erased { .. } => Ok(true),
        Erasure::NoUser { .. } => Err(Error::user_gone()),
    }
}
