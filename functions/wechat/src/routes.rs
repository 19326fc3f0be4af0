//! The routes this function serves, exactly as API Gateway routes them.

use oauthapp_shared::routing::Routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    SubscribeSend,
    CodeToSession,
    Decrypt,
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
    ("POST", "/Wechat/{appKey}/SubscribeSend", Route::SubscribeSend),
    ("GET", "/Wechat/{appKey}/JSCode2Session", Route::CodeToSession),
    ("GET", "/Wechat/{appKey}/Decrypt", Route::Decrypt),
    ("GET", "/Wechat/{appKey}/UserInfo", Route::UserInfo),
    ("POST", "/Wechat/{appKey}/SubscribeMSG", Route::SubscribeMessage),
    ("GET", "/Wechat/{appKey}/JSConfig", Route::JsConfig),
    ("POST", "/Wechat/{appKey}/UrlLinkGenerate", Route::UrlLink),
    ("POST", "/Wechat/{appKey}/GenerateScheme", Route::Scheme),
    ("POST", "/Wechat/{appKey}/WXACodeGet", Route::Code),
    (
        "POST",
        "/Wechat/{appKey}/WXACodeGetUnlimited",
        Route::UnlimitedCode,
    ),
    ("POST", "/Wechat/{appKey}/MsgSecCheck", Route::MessageCheck),
];

impl Routes for Route {
    const ROUTES: &'static [(&'static str, &'static str, Self)] = ROUTES;
}
