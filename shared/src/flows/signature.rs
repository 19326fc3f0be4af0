//! A signed request from the app's backend: its signature checked, then
//! its nonce spent, so each signed request is accepted once.

use crate::auth::signature::{self, Signed, SignedRequest};
use crate::domain::rate_limit::RouteClass;
use crate::domain::{App, Error};
use crate::flows::rate_limit::PerIp;

/// How long past the window a spent nonce is kept, for instances whose
/// clocks differ a little.
const NONCE_MARGIN_SECONDS: i64 = 60;

/// `Signed::No` without signature values; `Signed::Yes` when they verify
/// against the app secret and the nonce is new to the app. Anything else
/// is refused; the nonce is written only for a signature that verified. A
/// refused signature counts against the source's bad-signature limit, and
/// past it the refusal is that limit's 429.
pub async fn verify(
    per_ip: &PerIp<'_>,
    app: &App,
    req: &SignedRequest<'_>,
    now: i64,
) -> Result<Signed, Error> {
    let store = per_ip.store;
    let verified = match signature::check(req, &app.secret, now) {
        Ok(None) => return Ok(Signed::No),
        Ok(Some(verified)) => verified,
        Err(refused) => {
            per_ip.spend(app, RouteClass::BadSignature).await?;
            return Err(refused);
        }
    };
    // The timestamp is within the window of now, so this cannot overflow.
    let expires_at = verified.timestamp + req.carrier.max_skew_seconds as i64 + NONCE_MARGIN_SECONDS;
    if store.spend_nonce(app.id, verified.nonce, expires_at, now).await? {
        Ok(Signed::Yes)
    } else {
        Err(Error::unauthenticated(format!(
            "This signed request was replayed: {} was used already. Sign each request with a new nonce.",
            req.carrier.nonce
        )))
    }
}
