//! Who may spend the app's finite WeChat quotas: mini-program codes (100,000
//! for `WXACodeGet` over the mini-program's life), links and schemes,
//! content checks, official-account lookups and messages.

use oauthapp_shared::domain::{Error, WechatCallers};
use oauthapp_shared::http::caller::Caller;
use oauthapp_shared::http::{BearerOrSignature, Ctx};

/// Admits the caller to a call that spends a quota: the app's backend
/// always, a user only when the app lets users make these calls.
pub async fn spend(ctx: &Ctx<'_, BearerOrSignature>) -> Result<(), Error> {
    match (&ctx.caller.caller, ctx.caller.app.wechat.callers) {
        (Caller::Backend, _) | (Caller::User(_), WechatCallers::Users) => Ok(()),
        (Caller::User(_), WechatCallers::Backend) => Err(Error::forbidden(
            "This call spends the app's finite WeChat quota, and only the app's backend may make it (a request \
             signed with the app secret); the app's operator can let users make it with `oauthapp-admin apps \
             set <appId> --wechat-callers users`.",
        )),
    }
}
