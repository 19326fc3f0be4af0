//! The routes this function serves, exactly as API Gateway routes them.

use oauthapp_shared::routing::Routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Asked right after `wx.login`, without a token.
    Login(Login),
    /// Needs a user's Bearer token or the app backend's signature.
    Call(Call),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    CodeToSession,
    Decrypt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    SubscribeSend,
    UserInfo,
    SubscribeMessage,
    JsConfig,
    UrlLink,
    Scheme,
    Code,
    UnlimitedCode,
    MessageCheck,
}

/// (method, path template, route).
pub const ROUTES: &[(&str, &str, Route)] = &[
    (
        "POST",
        "/Wechat/{appKey}/SubscribeSend",
        Route::Call(Call::SubscribeSend),
    ),
    (
        "GET",
        "/Wechat/{appKey}/JSCode2Session",
        Route::Login(Login::CodeToSession),
    ),
    ("GET", "/Wechat/{appKey}/Decrypt", Route::Login(Login::Decrypt)),
    ("GET", "/Wechat/{appKey}/UserInfo", Route::Call(Call::UserInfo)),
    (
        "POST",
        "/Wechat/{appKey}/SubscribeMSG",
        Route::Call(Call::SubscribeMessage),
    ),
    ("GET", "/Wechat/{appKey}/JSConfig", Route::Call(Call::JsConfig)),
    (
        "POST",
        "/Wechat/{appKey}/UrlLinkGenerate",
        Route::Call(Call::UrlLink),
    ),
    (
        "POST",
        "/Wechat/{appKey}/GenerateScheme",
        Route::Call(Call::Scheme),
    ),
    ("POST", "/Wechat/{appKey}/WXACodeGet", Route::Call(Call::Code)),
    (
        "POST",
        "/Wechat/{appKey}/WXACodeGetUnlimited",
        Route::Call(Call::UnlimitedCode),
    ),
    (
        "POST",
        "/Wechat/{appKey}/MsgSecCheck",
        Route::Call(Call::MessageCheck),
    ),
];

impl Routes for Route {
    const ROUTES: &'static [(&'static str, &'static str, Self)] = ROUTES;
}
