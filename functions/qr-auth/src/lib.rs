//! The `qr-auth` function: QR-code sign-in through a WeChat mini-program.
//! A web page shows a key as a QR code, the mini-program scans it and a
//! user confirms (or registers), and the page redeems the key for that
//! user's token. Legacy (`/api/AppUsers/{appId}/QRCode…`) and v1
//! (`/Wechat/{appKey}/QR-Auth/…`) endpoints work on the same keys.

mod confirm;
mod key;
mod scan;

use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::http::{Anyone, Bearer, Routes, UnionIdProof};

/// The routes this function serves, exactly as API Gateway routes them.
/// Legacy paths name the app by `{appId}`, v1 paths by `{appKey}`.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/AppUsers/{appId}/QRCodePreSignIn", Anyone, key::initiate).per_ip(RouteClass::QrKey)
        .post("/api/AppUsers/{appId}/QRCodeScan", Anyone, scan::scan).per_ip(RouteClass::QrScan)
        .post("/api/AppUsers/{appId}/QRCodeSignUp", UnionIdProof, confirm::confirm_register).per_ip(RouteClass::SignUp)
        .post("/api/AppUsers/{appId}/QRCodeSignIn", Anyone, key::qr_code_sign_in).per_ip(RouteClass::QrPoll)
        .post("/Wechat/{appKey}/QR-Auth/Initiate", Anyone, key::initiate).per_ip(RouteClass::QrKey)
        .post("/Wechat/{appKey}/QR-Auth/Scan", Anyone, scan::scan).per_ip(RouteClass::QrScan)
        .post("/Wechat/{appKey}/QR-Auth/Confirm-Login", Bearer, confirm::confirm_login)
        .post("/Wechat/{appKey}/QR-Auth/Confirm-Register", UnionIdProof, confirm::confirm_register).per_ip(RouteClass::SignUp)
}
