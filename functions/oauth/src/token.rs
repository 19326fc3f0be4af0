//! `POST oauth2/token` and `POST oauth2/revoke`.

use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::Error;
use oauthapp_shared::flows::session;
use oauthapp_shared::http::oauth::{OAuthAnswer, OAuthError, OAuthErrorCode, OAuthParams};
use oauthapp_shared::http::{Anyone, Ctx};
use serde_json::{Value, json};

/// RFC 6749 §6: a refresh token for the session's next access token and
/// refresh token (§5.1), or `invalid_grant` (§5.2).
pub async fn token(ctx: Ctx<'_, Anyone>, params: OAuthParams) -> Result<OAuthAnswer<TokenModel>, Error> {
    let grant_type = params.required("grant_type")?;
    if grant_type != "refresh_token" {
        return Ok(OAuthAnswer::Refused(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            format!(
                "grant_type {grant_type:?} is not supported: sign in through the API, then use grant_type=refresh_token."
            ),
        )));
    }
    let refresh_token = params.required("refresh_token")?;
    Ok(
        match session::refresh(ctx.services, ctx.app.id, refresh_token).await? {
            Ok(tokens) => OAuthAnswer::Granted(tokens),
            Err(reason) => OAuthAnswer::Refused(OAuthError::new(OAuthErrorCode::InvalidGrant, reason)),
        },
    )
}

/// RFC 7009: a refresh token or access token of the app ends its session.
/// The answer is 200 whether or not there was anything to end (§2.2).
pub async fn revoke(ctx: Ctx<'_, Anyone>, params: OAuthParams) -> Result<Value, Error> {
    // token_type_hint only says where to look first (§2.1); the token's
    // shape says it better.
    let token = params.required("token")?;
    session::revoke(ctx.services, ctx.app.id, token).await?;
    Ok(json!({}))
}
