//! The routes this function serves, exactly as API Gateway routes them.

use oauthapp_shared::routing::Routes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Bind,
    List,
    Update,
    Remove,
    SignIn,
}

/// (method, path template, route). `SignIn` is a fixed segment, so it is
/// never read as an `{id}`.
pub const ROUTES: &[(&str, &str, Route)] = &[
    ("POST", "/ExternalAccount/{appKey}", Route::Bind),
    ("GET", "/ExternalAccount/{appKey}", Route::List),
    ("PUT", "/ExternalAccount/{appKey}/{id}", Route::Update),
    ("DELETE", "/ExternalAccount/{appKey}/{id}", Route::Remove),
    ("POST", "/ExternalAccount/{appKey}/SignIn", Route::SignIn),
];

impl Routes for Route {
    const ROUTES: &'static [(&'static str, &'static str, Self)] = ROUTES;
}
