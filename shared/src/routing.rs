//! Finds a function's route by method and path, as API Gateway matched it.
//! Each function lists its routes as `(method, path template, route)`; the
//! contract test checks that list against template.yaml, the watch router,
//! events/ and openapi.yaml.

use std::collections::HashMap;

use lambda_http::http::Method;

/// The outcome of matching a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched<R> {
    /// A route, with the values of its `{parameters}`.
    Route {
        route: R,
        params: HashMap<String, String>,
    },
    /// The path exists, the method does not.
    MethodNotAllowed,
    NotFound,
}

pub struct Router<R> {
    paths: matchit::Router<Vec<(Method, R)>>,
}

impl<R: Copy> Router<R> {
    pub fn new(routes: &[(&str, &str, R)]) -> Self {
        let mut by_path: Vec<(&str, Vec<(Method, R)>)> = Vec::new();
        for (method, path, route) in routes {
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

    pub fn find(&self, method: &Method, path: &str) -> Matched<R> {
        let Ok(found) = self.paths.at(path) else {
            return Matched::NotFound;
        };
        let params = found
            .params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        match found.value.iter().find(|(allowed, _)| allowed == method) {
            Some((_, route)) => Matched::Route {
                route: *route,
                params,
            },
            None => Matched::MethodNotAllowed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Route {
        Get,
        Put,
    }

    #[test]
    fn finds_routes_and_their_parameters() {
        let router = Router::new(&[("GET", "/a/{id}/b", Route::Get), ("PUT", "/a/{id}/b", Route::Put)]);
        let params = HashMap::from([("id".to_owned(), "7".to_owned())]);
        assert_eq!(
            router.find(&Method::PUT, "/a/7/b"),
            Matched::Route {
                route: Route::Put,
                params
            }
        );
        assert_eq!(router.find(&Method::DELETE, "/a/7/b"), Matched::MethodNotAllowed);
        assert_eq!(router.find(&Method::GET, "/a/7/c"), Matched::NotFound);
    }
}
