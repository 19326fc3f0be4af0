//! The `wechat` function: v1 `/Wechat/{appKey}/…`, WeChat's server API
//! called with the app's own WeChat accounts. Login-code exchange and
//! decryption need no token; every other call needs a user's Bearer token
//! or the app backend's signature.

mod login;
mod mini_program;
mod official_account;

use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::http::{Anyone, BearerOrSignature, Routes};

/// The routes this function serves, exactly as API Gateway routes them.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .post("/Wechat/{appKey}/SubscribeSend", BearerOrSignature, mini_program::subscribe_send)
        .get("/Wechat/{appKey}/JSCode2Session", Anyone, login::js_code2_session).per_ip(RouteClass::WechatLogin)
        .get("/Wechat/{appKey}/Decrypt", Anyone, login::decrypt).per_ip(RouteClass::WechatLogin)
        .get("/Wechat/{appKey}/UserInfo", BearerOrSignature, official_account::user_info)
        .post("/Wechat/{appKey}/SubscribeMSG", BearerOrSignature, official_account::subscribe_msg)
        .get("/Wechat/{appKey}/JSConfig", BearerOrSignature, official_account::js_config)
        .post("/Wechat/{appKey}/UrlLinkGenerate", BearerOrSignature, mini_program::url_link_generate)
        .post("/Wechat/{appKey}/GenerateScheme", BearerOrSignature, mini_program::generate_scheme)
        .post("/Wechat/{appKey}/WXACodeGet", BearerOrSignature, mini_program::wxa_code_get)
        .post("/Wechat/{appKey}/WXACodeGetUnlimited", BearerOrSignature, mini_program::wxa_code_get_unlimited)
        .post("/Wechat/{appKey}/MsgSecCheck", BearerOrSignature, mini_program::msg_sec_check)
}
