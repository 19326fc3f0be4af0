//! Finds a function's route by method and path, as API Gateway matched it,
//! and reads the app the path names. Each function lists its routes as
//! `(method, path template, route)`; the contract test checks that list
//! against template.yaml, the watch router, events/ and openapi.yaml.

use std::collections::HashMap;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::envelope::Outcome;
use crate::store::{App, Store};
use crate::{ApiError, Envelope, Services};

/// A function's routes: `(method, path template, route)`.
pub trait Routes: Copy + 'static {
    const ROUTES: &'static [(&'static str, &'static str, Self)];
}

/// What a function builds once per cold start: its services and its router.
pub struct Routed<R> {
    pub services: Services,
    router: Router<R>,
}

/// A request's route, the app its path names, and its path parameters.
pub struct Matched<R> {
    pub route: R,
    pub address: AppAddress,
    pub params: HashMap<String, String>,
}

impl<R: Routes> Routed<R> {
    pub fn new(services: Services) -> Self {
        Self {
            services,
            router: Router::new(R::ROUTES),
        }
    }

    /// Answers `req` with `dispatch` of its route; every outcome, failures
    /// included, is an envelope of the path's API generation.
    pub async fn answer<D, O>(&self, req: Request, dispatch: D) -> Response<Body>
    where
        D: AsyncFnOnce(&Services, Matched<R>, &Request) -> Result<O, ApiError>,
        O: Into<Outcome>,
    {
        let envelope = Envelope::for_path(req.uri().path());
        let result = async {
            crate::request::body_within_limit(&req)?;
            let (route, params) = self.router.find(req.method(), req.uri().path())?;
            let address = AppAddress::from_params(&params)?;
            let matched = Matched {
                route,
                address,
                params,
            };
            dispatch(&self.services, matched, &req).await.map(Into::into)
        };
        envelope.answer(result.await)
    }
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

    /// The route of a request and the values of its `{parameters}`, or the
    /// 404 or 405 to answer.
    pub fn find(&self, method: &Method, path: &str) -> Result<(R, HashMap<String, String>), ApiError> {
        let found = self
            .paths
            .at(path)
            .map_err(|_| ApiError::not_found("There is no such endpoint."))?;
        let (_, route) = found
            .value
            .iter()
            .find(|(allowed, _)| allowed == method)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    format!("{method} is not allowed on this path."),
                )
            })?;
        let params = found
            .params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Ok((*route, params))
    }
}

/// How a path names the app: a numeric `{appId}` (legacy API) or a string
/// `{appKey}` (v1 API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppAddress {
    Id(u64),
    Key(String),
}

impl AppAddress {
    pub fn from_params(params: &HashMap<String, String>) -> Result<Self, ApiError> {
        match (params.get("appId"), params.get("appKey")) {
            (Some(raw), _) => raw
                .parse::<u64>()
                .ok()
                .filter(|id| *id > 0)
                .map(AppAddress::Id)
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "There is no app with id {raw:?}; appId is a positive number."
                    ))
                }),
            (None, Some(key)) => Ok(AppAddress::Key(key.clone())),
            (None, None) => Err(ApiError::internal("a route without {appId} or {appKey}")),
        }
    }

    /// The app this address names, or the 404 every endpoint gives.
    pub fn known(&self, app: Option<App>) -> Result<App, ApiError> {
        app.ok_or_else(|| match self {
            AppAddress::Id(id) => ApiError::not_found(format!("There is no app with id {id}.")),
            AppAddress::Key(key) => ApiError::not_found(format!("There is no app with key {key:?}.")),
        })
    }

    pub async fn load(&self, store: &Store) -> Result<App, ApiError> {
        let app = match self {
            AppAddress::Id(id) => store.app(*id).await?,
            AppAddress::Key(key) => store.app_by_key(key).await?,
        };
        self.known(app)
    }

    /// The app's id: no read for an id, one read of the key's guard for a
    /// key. The app itself may be gone; reads that need it find out.
    pub async fn app_id(&self, store: &Store) -> Result<u64, ApiError> {
        match self {
            AppAddress::Id(id) => Ok(*id),
            AppAddress::Key(key) => store
                .app_id_by_key(key)
                .await?
                .ok_or_else(|| self.known(None).unwrap_err()),
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
        assert_eq!(router.find(&Method::PUT, "/a/7/b").unwrap(), (Route::Put, params));
        assert_eq!(router.find(&Method::DELETE, "/a/7/b").unwrap_err().status(), 405);
        assert_eq!(router.find(&Method::GET, "/a/7/c").unwrap_err().status(), 404);
    }

    #[test]
    fn reads_the_app_address() {
        let params = |k: &str, v: &str| HashMap::from([(k.to_owned(), v.to_owned())]);
        assert_eq!(
            AppAddress::from_params(&params("appId", "7")).unwrap(),
            AppAddress::Id(7)
        );
        assert_eq!(
            AppAddress::from_params(&params("appKey", "demo")).unwrap(),
            AppAddress::Key("demo".into())
        );
        for bad in ["0", "-1", "abc", ""] {
            assert_eq!(
                AppAddress::from_params(&params("appId", bad))
                    .unwrap_err()
                    .status(),
                404
            );
        }
    }
}
