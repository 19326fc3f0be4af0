//! The routes this function serves, exactly as API Gateway routes them.

use oauthapp_shared::routing::Routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    PreSignIn,
    Scan,
    SignUp,
    SignIn,
    Initiate,
    ScanV1,
    ConfirmLogin,
    ConfirmRegister,
}

/// (method, path template, route). Legacy paths name the app by `{appId}`,
/// v1 paths by `{appKey}`; both work on the same keys.
pub const ROUTES: &[(&str, &str, Route)] = &[
    ("POST", "/api/AppUsers/{appId}/QRCodePreSignIn", Route::PreSignIn),
    ("POST", "/api/AppUsers/{appId}/QRCodeScan", Route::Scan),
    ("POST", "/api/AppUsers/{appId}/QRCodeSignUp", Route::SignUp),
    ("POST", "/api/AppUsers/{appId}/QRCodeSignIn", Route::SignIn),
    ("POST", "/Wechat/{appKey}/QR-Auth/Initiate", Route::Initiate),
    ("POST", "/Wechat/{appKey}/QR-Auth/Scan", Route::ScanV1),
    (
        "POST",
        "/Wechat/{appKey}/QR-Auth/Confirm-Login",
        Route::ConfirmLogin,
    ),
    (
        "POST",
        "/Wechat/{appKey}/QR-Auth/Confirm-Register",
        Route::ConfirmRegister,
    ),
];

impl Routes for Route {
    const ROUTES: &'static [(&'static str, &'static str, Self)] = ROUTES;
}
