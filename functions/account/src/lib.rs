//! The `account` function: the legacy `/api/AppUsers/{appId}` API for
//! password and union-id sign-up and sign-in, the profile and the points
//! log, and v1 `/User/{appKey}`: the same sign-ups and sign-ins in the v1
//! envelope, sign-up and sign-in with a verified email address or phone
//! number, the v1 profile, password and address changes, account
//! deletion, two-factor enrolment, sign-out and the user's sessions.

mod address_account;
mod address_change;
mod deactivation;
mod password_account;
mod passwords;
mod point_log;
mod profile;
mod sessions;
mod two_factor_auth;
mod union_id;

use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::http::{Anyone, Bearer, Routes, UnionIdProof};

/// The routes this function serves, exactly as API Gateway routes them.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .post("/api/AppUsers/{appId}/SignUp", Anyone, password_account::sign_up).per_ip(RouteClass::SignUp)
        .post("/api/AppUsers/{appId}/SignIn", Anyone, password_account::sign_in).per_ip(RouteClass::SignIn)
        .post("/api/AppUsers/{appId}/UnionIDSignUp", UnionIdProof, union_id::union_id_sign_up).per_ip(RouteClass::SignUp)
        .post("/api/AppUsers/{appId}/UnionIDSignIn", UnionIdProof, union_id::union_id_sign_in).per_ip(RouteClass::SignIn)
        .get("/api/AppUsers/{appId}/Profile", Bearer, profile::get)
        .put("/api/AppUsers/{appId}/Profile", Bearer, profile::put)
        .get("/api/AppUsers/{appId}/PointLog", Bearer, point_log::point_log)
        .post("/User/{appKey}/SignUp", Anyone, password_account::sign_up).per_ip(RouteClass::SignUp)
        .post("/User/{appKey}/SignIn", Anyone, password_account::sign_in).per_ip(RouteClass::SignIn)
        .post("/User/{appKey}/UnionIDSignUp", UnionIdProof, union_id::union_id_sign_up).per_ip(RouteClass::SignUp)
        .post("/User/{appKey}/UnionIDSignIn", UnionIdProof, union_id::union_id_sign_in).per_ip(RouteClass::SignIn)
        .post("/User/{appKey}/EmailSignUp", Anyone, address_account::email_sign_up).per_ip(RouteClass::SignUp)
        .post("/User/{appKey}/PhoneSignUp", Anyone, address_account::phone_sign_up).per_ip(RouteClass::SignUp)
        .post("/User/{appKey}/EmailSignIn", Anyone, address_account::email_sign_in).per_ip(RouteClass::SignIn)
        .post("/User/{appKey}/PhoneSignIn", Anyone, address_account::phone_sign_in).per_ip(RouteClass::SignIn)
        .get("/User/{appKey}/Profile", Bearer, profile::get_v1)
        .put("/User/{appKey}/Profile", Bearer, profile::put_v1)
        .post("/User/{appKey}/ResetPwd", Bearer, passwords::reset_pwd)
        .post("/User/{appKey}/ForgotPwd", Anyone, passwords::forgot_pwd).per_ip(RouteClass::SignIn)
        .put("/User/{appKey}/ResetEmail", Bearer, address_change::reset_email)
        .put("/User/{appKey}/ResetPhone", Bearer, address_change::reset_phone)
        .delete("/User/{appKey}/DeactivateHard", Bearer, deactivation::deactivate_hard)
        .get("/User/{appKey}/TwoFactorAuth", Bearer, two_factor_auth::get)
        .post("/User/{appKey}/TwoFactorAuth", Bearer, two_factor_auth::post)
        .delete("/User/{appKey}/TwoFactorAuth", Bearer, two_factor_auth::delete)
        .post("/User/{appKey}/SignOut", Bearer, sessions::sign_out)
        .get("/User/{appKey}/Sessions", Bearer, sessions::list)
        .delete("/User/{appKey}/Sessions/{id}", Bearer, sessions::end)
}
