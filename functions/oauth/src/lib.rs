//! The `oauth` function: what standard OAuth 2.0 and OpenID Connect
//! clients call, under the issuer (`JWT_ISSUER`): `oauth2/token` (refresh,
//! RFC 6749 §6), `oauth2/revoke` (RFC 7009), and from memory, without
//! touching the table, `.well-known/jwks.json` and
//! `.well-known/openid-configuration`.

mod discovery;
mod token;

use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::http::{Anyone, Routes};

/// The routes this function serves, exactly as API Gateway routes them.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .post("/oauth2/token", Anyone, token::token).per_ip(RouteClass::Token)
        .post("/oauth2/revoke", Anyone, token::revoke).per_ip(RouteClass::Token)
        .document("/.well-known/jwks.json", discovery::jwks)
        .document("/.well-known/openid-configuration", discovery::openid_configuration)
}
