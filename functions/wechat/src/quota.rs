//! Who may spend the app's finite WeChat quotas: mini-program codes (100,000
//! for `WXACodeGet` over the mini-program's life), links and schemes,
//! content checks, official-account lookups and messages.

use oauthapp_shared::domain::rate_limit::Allowance;
use oauthapp_shared::domain::{Error, WechatCallers};
use oauthapp_shared::flows::rate_limit;
use oauthapp_shared::http::caller::Caller;
use oauthapp_shared::http::{BearerOrSignature, Ctx};

/// Admits the caller to a call that spends a quota: the app's backend
/// always; a user only when the app lets users make these calls, and then
/// at most the app's allowance of them per minute (the 429 beyond it,
/// before WeChat is asked).
pub async fn spend(ctx: &Ctx<'_, BearerOrSignature>) -> Result<(), Error> {
    let app = &ctx.caller.app;
    let user = match &ctx.caller.caller {
        Caller::Backend => return Ok(()),
        Caller::User(user) => user,
    };
    if app.wechat.callers == WechatCallers::Backend {
        return Err(Error::forbidden(
            "This call spends the app's finite WeChat quota, and only the app's backend may make it (a request \
             signed with the app secret); the app's operator can let users make it with `oauthapp-admin apps \
             set <appId> --wechat-callers users`.",
        ));
    }
    let allowance = Allowance {
        per_minute: app.wechat.user_calls_per_minute(),
    };
    let counted = format!("wechat-quota#user-{}", user.id);
    rate_limit::count_against(
        &ctx.services.store,
        app.id,
        &counted,
        allowance,
        "WeChat quota calls by this user",
    )
    .await
}
