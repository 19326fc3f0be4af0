//! The routes this function serves, exactly as API Gateway routes them. The
//! contract test checks this table against template.yaml, the watch router
//! in Cargo.toml, events/ and openapi.yaml.

use lambda_http::http::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    SignUp,
    SignIn,
    UnionIdSignUp,
    UnionIdSignIn,
    GetProfile,
    PutProfile,
    PointLog,
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
];

/// Finds the route of a request by method and path.
pub struct Router {
    paths: matchit::Router<Vec<(Method, Route)>>,
}

/// A matched route and the `{appId}` of its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    Route {
        route: Route,
        app_id: String,
    },
    /// The path exists, the method does not.
    MethodNotAllowed,
    NotFound,
}

impl Router {
    pub fn new() -> Self {
        let mut by_path: Vec<(&str, Vec<(Method, Route)>)> = Vec::new();
        for (method, path, route) in ROUTES {
            let method = Method::from_bytes(method.as_bytes()).expect("route methods are valid");
            match by_path.iter_mut().find(|(known, _)| known == path) {
                Some((_, methods)) => methods.push((method, *route)),
                None => by_path.push((path, vec![(method, *route)])),
            }
        }
        let mut paths = matchit::Router::new();
        for (path, methods) in by_path {
            paths.insert(path, methods).expect("route paths do not overlap");
        }
        Self { paths }
    }

    pub fn find(&self, method: &Method, path: &str) -> Matched {
        let Ok(found) = self.paths.at(path) else {
            return Matched::NotFound;
        };
        let app_id = found.params.get("appId").unwrap_or_default().to_owned();
        match found.value.iter().find(|(allowed, _)| allowed == method) {
            Some((_, route)) => Matched::Route {
                route: *route,
                app_id,
            },
            None => Matched::MethodNotAllowed,
        }
    }
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_routes_and_their_app() {
        let router = Router::new();
        assert_eq!(
            router.find(&Method::PUT, "/api/AppUsers/7/Profile"),
            Matched::Route {
                route: Route::PutProfile,
                app_id: "7".to_owned()
            }
        );
        assert_eq!(
            router.find(&Method::DELETE, "/api/AppUsers/7/Profile"),
            Matched::MethodNotAllowed
        );
        assert_eq!(
            router.find(&Method::GET, "/api/AppUsers/7/Nope"),
            Matched::NotFound
        );
    }
}
