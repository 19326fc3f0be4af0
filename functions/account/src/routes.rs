//! The routes this function serves, exactly as API Gateway routes them. The
//! contract test checks this table against template.yaml, the watch router
//! in Cargo.toml, events/ and openapi.yaml.

use oauthapp_shared::routing::Routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    SignUp,
    SignIn,
    UnionIdSignUp,
    UnionIdSignIn,
    GetProfile,
    PutProfile,
    PointLog,
    StartTwoFactor,
    ConfirmTwoFactor,
    TurnOffTwoFactor,
}

/// (method, path template, route).
pub const ROUTES: &[(&str, &str, Route)] = &[
    ("POST", "/api/AppUsers/{appId}/SignUp", Route::SignUp),
    ("POST", "/api/AppUsers/{appId}/SignIn", Route::SignIn),
    (
        "POST",
        "/api/AppUsers/{appId}/UnionIDSignUp",
        Route::UnionIdSignUp,
    ),
    (
        "POST",
        "/api/AppUsers/{appId}/UnionIDSignIn",
        Route::UnionIdSignIn,
    ),
    ("GET", "/api/AppUsers/{appId}/Profile", Route::GetProfile),
    ("PUT", "/api/AppUsers/{appId}/Profile", Route::PutProfile),
    ("GET", "/api/AppUsers/{appId}/PointLog", Route::PointLog),
    ("GET", "/User/{appKey}/TwoFactorAuth", Route::StartTwoFactor),
    ("POST", "/User/{appKey}/TwoFactorAuth", Route::ConfirmTwoFactor),
    ("DELETE", "/User/{appKey}/TwoFactorAuth", Route::TurnOffTwoFactor),
];

impl Routes for Route {
    const ROUTES: &'static [(&'static str, &'static str, Self)] = ROUTES;
}
