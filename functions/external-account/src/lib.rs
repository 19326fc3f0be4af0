//! The `external-account` function: v1 `/ExternalAccount/{appKey}`. A
//! signed-in user binds other platforms' unionIDs to their account, lists,
//! edits, disables and removes them, and signs in with any enabled one.

mod bindings;

use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::Error;
use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::domain::session::SignInMethod;
use oauthapp_shared::flows::sign_in::{self, UnionIdSignInRequest};
use oauthapp_shared::http::{Bearer, BearerAndUnionIdProof, Ctx, Json, Routes, UnionIdProof};

/// The routes this function serves, exactly as API Gateway routes them.
/// `SignIn` is a fixed segment, so it is never read as an `{id}`.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .post("/ExternalAccount/{appKey}", BearerAndUnionIdProof, bindings::post)
        .get("/ExternalAccount/{appKey}", Bearer, bindings::get)
        .put("/ExternalAccount/{appKey}/{id}", Bearer, bindings::put)
        .delete("/ExternalAccount/{appKey}/{id}", Bearer, bindings::delete)
        .post("/ExternalAccount/{appKey}/SignIn", UnionIdProof, sign_in).per_ip(RouteClass::SignIn)
}

/// `POST /ExternalAccount/{appKey}/SignIn`: no token; the unionID is proven
/// as the app's `unionIdProof` demands.
async fn sign_in(
    ctx: Ctx<'_, UnionIdProof>,
    Json(body): Json<UnionIdSignInRequest>,
) -> Result<TokenModel, Error> {
    let not_bound = "No account of this app is bound to this platform and unionID.";
    let how = (SignInMethod::ExternalAccount, not_bound);
    sign_in::union_id_sign_in(ctx.services, ctx.app, &ctx.caller, body, how, &ctx.client).await
}
