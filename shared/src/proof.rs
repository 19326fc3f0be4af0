//! Whether a request proves the union id it carries, by the app's
//! `unionIdProof` setting. Sign-up, sign-in and (later) QR and external
//! account flows all ask here.

use lambda_http::Request;

use crate::ApiError;
use crate::signature::{self, Signed};
use crate::store::{App, UnionIdProof};

/// Checks the proof the app demands. `Signed::Yes` means the app's backend
/// vouched for the request, so its `emailIsValid`/`phoneIsValid` count.
pub fn union_id_proof(app: &App, req: &Request, now: i64) -> Result<Signed, ApiError> {
    match app.union_id_proof {
        UnionIdProof::Signature => match signature::check(req, &app.secret, now)? {
            Signed::Yes => Ok(Signed::Yes),
            Signed::No => Err(ApiError::unauthorized(
                "This app accepts a unionID only from its own backend: sign the request with the app secret \
                 (headers X-OAuthApp-Timestamp and X-OAuthApp-Signature).",
            )),
        },
        UnionIdProof::WechatCode => Err(ApiError::bad_request(
            "This app proves unionIDs with a WeChat login code, which this deployment does not support yet; \
             the operator can switch the app to the signature proof.",
        )),
        // The client's word is taken; a signature, if sent, must still verify.
        UnionIdProof::None => signature::check(req, &app.secret, now),
    }
}
