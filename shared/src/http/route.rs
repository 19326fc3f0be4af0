//! One declaration per endpoint: method, path (which says how the app is
//! addressed), what the caller must present, and the handler. A handler is
//! a plain async function of its typed context and input:
//!
//! ```ignore
//! Routes::new().get("/api/AppUsers/{appId}/Profile", Bearer, profile::get)
//! async fn get(ctx: Ctx<'_, Bearer>, (): ()) -> Result<ProfileView, Error>
//! ```
//!
//! The declared requirement is the type of the handler's context, so the
//! two cannot disagree. Before the handler runs, the app's id is resolved,
//! the caller has presented what the route requires, and the input is
//! parsed; its answer becomes the envelope's `data`, its error the
//! envelope's status and sentence. The contract test reads the same table.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use lambda_http::http::header::HeaderValue;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::Services;
use crate::domain::rate_limit::{RouteClass, SourceAddress};
use crate::domain::session::Client;
use crate::domain::{Error, validate};
use crate::flows::app::{AppAddress, AppRef};
use crate::flows::rate_limit::PerIp;
use crate::http::caller::{Presents, Requirement};
use crate::http::cors::{self, WebOrigins};
use crate::http::envelope::{Envelope, Outcome, Reply};
use crate::http::error::ApiError;
use crate::http::input::Input;
use crate::http::{oauth, request};

/// What a handler receives: the services, the app of the path, the caller
/// as the route's requirement established it, and where the request came
/// from (for the sessions a sign-in starts).
pub struct Ctx<'a, R: Requirement> {
    pub services: &'a Services,
    pub app: &'a AppRef,
    pub caller: R::Caller<'a>,
    pub client: Client,
}

/// A request on its way to its handler: the request, the values of the
/// path's `{parameters}`, and the app they name.
pub struct Incoming<'a> {
    pub(crate) request: &'a Request,
    params: HashMap<String, String>,
    pub(crate) app: AppRef,
    pub(crate) source: SourceAddress,
}

impl<'a> Incoming<'a> {
    /// The counting of this request's source address.
    pub(crate) fn per_ip(&'a self, services: &'a Services) -> PerIp<'a> {
        PerIp {
            store: &services.store,
            default: services.config.rate_limit_per_ip,
            source: &self.source,
        }
    }
}

impl Incoming<'_> {
    /// The value of the path's `{name}` segment.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// An async function from a context and an input to an answer, for every
/// lifetime of the context: what a route's handler is.
pub trait Handler<'a, R: Requirement, I, O>: Copy + Send + Sync + 'static {
    type Future: Future<Output = Result<O, Error>> + Send + 'a;
    fn call(self, ctx: Ctx<'a, R>, input: I) -> Self::Future;
}

impl<'a, R, I, O, F, Fut> Handler<'a, R, I, O> for F
where
    R: Requirement,
    F: Fn(Ctx<'a, R>, I) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<O, Error>> + Send + 'a,
{
    type Future = Fut;

    fn call(self, ctx: Ctx<'a, R>, input: I) -> Fut {
        self(ctx, input)
    }
}

type Answer<'a> = Pin<Box<dyn Future<Output = Result<Outcome, ApiError>> + Send + 'a>>;
type AppEndpoint = Box<dyn for<'a> Fn(&'a Services, &'a Incoming<'a>) -> Answer<'a> + Send + Sync>;

/// What answers a route: a handler of a request to an app, or a public
/// document built from memory (no app, no store).
enum Endpoint {
    App(AppEndpoint),
    Document(fn(&Services) -> serde_json::Value),
}

/// One endpoint, as declared.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub presents: Presents,
    /// The per-IP limit its requests count against, if any.
    pub per_ip: Option<RouteClass>,
    endpoint: Endpoint,
}

/// A function's routes, in the order declared.
#[derive(Default)]
pub struct Routes(Vec<Route>);

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `method path`, whose caller presents `requirement` and whose
    /// handler is `handler`.
    pub fn route<R, I, O, H>(
        mut self,
        method: Method,
        path: &'static str,
        _requirement: R,
        handler: H,
    ) -> Self
    where
        R: Requirement,
        I: Input,
        O: Reply,
        H: for<'a> Handler<'a, R, I, O>,
    {
        let endpoint: AppEndpoint = Box::new(move |services, incoming| {
            Box::pin(async move {
                let caller = R::present(services, incoming).await?;
                let input = I::read(incoming)?;
                let ctx = Ctx {
                    services,
                    app: &incoming.app,
                    caller,
                    client: request::client(incoming.request),
                };
                handler.call(ctx, input).await?.into_outcome()
            })
        });
        self.0.push(Route {
            method,
            path,
            presents: R::PRESENTS,
            per_ip: None,
            endpoint: Endpoint::App(endpoint),
        });
        self
    }

    /// Adds `GET path`, a public document that `build` makes from what the
    /// instance holds: it reads no app and no table, so it has no per-IP
    /// limit to count (API Gateway's throttling is its limit).
    pub fn document(mut self, path: &'static str, build: fn(&Services) -> serde_json::Value) -> Self {
        self.0.push(Route {
            method: Method::GET,
            path,
            presents: Presents::PublicDocument,
            per_ip: None,
            endpoint: Endpoint::Document(build),
        });
        self
    }

    pub fn get<R: Requirement, I: Input, O: Reply>(
        self,
        path: &'static str,
        requirement: R,
        handler: impl for<'a> Handler<'a, R, I, O>,
    ) -> Self {
        self.route(Method::GET, path, requirement, handler)
    }

    pub fn post<R: Requirement, I: Input, O: Reply>(
        self,
        path: &'static str,
        requirement: R,
        handler: impl for<'a> Handler<'a, R, I, O>,
    ) -> Self {
        self.route(Method::POST, path, requirement, handler)
    }

    pub fn put<R: Requirement, I: Input, O: Reply>(
        self,
        path: &'static str,
        requirement: R,
        handler: impl for<'a> Handler<'a, R, I, O>,
    ) -> Self {
        self.route(Method::PUT, path, requirement, handler)
    }

    pub fn delete<R: Requirement, I: Input, O: Reply>(
        self,
        path: &'static str,
        requirement: R,
        handler: impl for<'a> Handler<'a, R, I, O>,
    ) -> Self {
        self.route(Method::DELETE, path, requirement, handler)
    }

    /// Counts the requests of the route declared last against the per-IP
    /// limit of `class`: before the caller's proof or the body is read.
    pub fn per_ip(mut self, class: RouteClass) -> Self {
        let route = self.0.last_mut().expect("per_ip follows the route it limits");
        route.per_ip = Some(class);
        self
    }

    /// Every route, as declared.
    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.0.iter()
    }
}

/// Finds a request's route by method and path, as API Gateway matched it,
/// and answers it. Built once per cold start. Every path it declares also
/// answers the CORS preflight `OPTIONS` (see `cors`), which template.yaml
/// and the watch router route to the same function.
pub struct Router {
    routes: Vec<Route>,
    /// Path template → the indexes of its routes, one per method.
    paths: matchit::Router<Vec<usize>>,
    web_origins: WebOrigins,
}

/// The routes of one path and the values of its `{parameters}`.
type Found<'r> = (Vec<&'r Route>, HashMap<String, String>);

impl Router {
    pub fn new(routes: Routes) -> Self {
        let routes = routes.0;
        let mut by_path: Vec<(&'static str, Vec<usize>)> = Vec::new();
        for (index, route) in routes.iter().enumerate() {
            match by_path.iter_mut().find(|(path, _)| *path == route.path) {
                Some((_, indexes)) => indexes.push(index),
                None => by_path.push((route.path, vec![index])),
            }
        }
        let mut paths = matchit::Router::new();
        for (path, indexes) in by_path {
            paths.insert(path, indexes).expect("route paths do not overlap");
        }
        Self {
            routes,
            paths,
            web_origins: WebOrigins::default(),
        }
    }

    /// The response to `req`: every outcome, failures included, is an
    /// envelope of the path's API generation (or a handler's image, or a
    /// preflight's empty 204), with CORS headers for a listed origin.
    pub async fn answer(&self, services: &Services, req: Request) -> Response<Body> {
        services.tokens.keep_keys_fresh().await;
        let envelope = Envelope::for_path(req.uri().path());
        if req.method() == Method::OPTIONS {
            return self
                .preflight(services, &req)
                .await
                .unwrap_or_else(|err| envelope.answer(Err(err)));
        }
        let mut allowed = None;
        let mut response = envelope.answer(self.respond(services, &req, &mut allowed).await);
        if let Some(origin) = allowed {
            cors::allow(&mut response, origin);
        }
        response
    }

    /// The route's outcome; `allowed` is set to the origin that may read it.
    async fn respond(
        &self,
        services: &Services,
        req: &Request,
        allowed: &mut Option<HeaderValue>,
    ) -> Result<Outcome, ApiError> {
        request::body_within_limit(req)?;
        let (route, params) = self.find(req.method(), req.uri().path())?;
        let endpoint = match &route.endpoint {
            Endpoint::Document(build) => return Ok(Outcome::Document(build(services))),
            Endpoint::App(endpoint) => endpoint,
        };
        let app = resolve_app(&params, req, services).await?;
        let incoming = Incoming {
            request: req,
            params,
            app,
            source: request::source_address(req),
        };
        let handling = async {
            if let Some(class) = route.per_ip {
                incoming
                    .per_ip(services)
                    .spend_on_route(&incoming.app, class)
                    .await?;
            }
            endpoint(services, &incoming).await
        };
        // Beside the handler, so a page's request waits for no extra read;
        // a page over its per-IP limit can read its 429 too.
        let (outcome, origin) = tokio::join!(
            handling,
            self.web_origins
                .allow(&services.store, incoming.app.id, cors::origin(req))
        );
        *allowed = origin;
        outcome
    }

    /// The answer to `OPTIONS` on a declared path: the path, the app it
    /// names (404s), then the preflight's own checks.
    async fn preflight(&self, services: &Services, req: &Request) -> Result<Response<Body>, ApiError> {
        let (routes, params) = self.find_path(req.uri().path())?;
        let methods: Vec<&Method> = routes.iter().map(|route| &route.method).collect();
        if oauth::is_oauth_path(req.uri().path()) {
            // The app is in the body, which a preflight lacks: any page may
            // ask, and only the answer's own header lets a listed one read.
            return cors::open_preflight(req, &methods);
        }
        let app = resolve_app(&params, req, services).await?;
        self.web_origins
            .preflight(&services.store, &app, req, &methods)
            .await
    }

    /// The routes of a path, or the 404 to answer.
    fn find_path(&self, path: &str) -> Result<Found<'_>, ApiError> {
        let found = self
            .paths
            .at(path)
            .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "There is no such endpoint."))?;
        let routes = found.value.iter().map(|index| &self.routes[*index]).collect();
        let params = found
            .params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Ok((routes, params))
    }

    /// The route of a request and the values of its `{parameters}`, or the
    /// 404 or 405 to answer.
    fn find(&self, method: &Method, path: &str) -> Result<(&Route, HashMap<String, String>), ApiError> {
        let (routes, params) = self.find_path(path)?;
        let route = routes
            .into_iter()
            .find(|route| route.method == method)
            .ok_or_else(|| not_allowed(method))?;
        Ok((route, params))
    }
}

/// The 405 of a method a path does not serve.
pub(crate) fn not_allowed(method: &Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on this path."),
    )
}

/// The app the request names: no read for an id, the key's guard the
/// first time an instance sees a key.
async fn resolve_app(
    params: &HashMap<String, String>,
    req: &Request,
    services: &Services,
) -> Result<AppRef, ApiError> {
    let address = match app_address(params)? {
        Some(address) => address,
        None if oauth::is_oauth_path(req.uri().path()) => {
            let client_id = oauth::client_id(req)?;
            return match AppRef::resolve(AppAddress::Key(client_id.clone()), &services.store).await {
                Err(err) if err.kind() == crate::domain::ErrorKind::NotFound => {
                    Err(oauth::unknown_client(&client_id))
                }
                resolved => Ok(resolved?),
            };
        }
        None => return Err(Error::internal("a route without {appId} or {appKey}").into()),
    };
    Ok(AppRef::resolve(address, &services.store).await?)
}

/// How the path names the app: a numeric `{appId}` (legacy API) or a
/// string `{appKey}` (v1 API); none on the OAuth edge, where the body's
/// `client_id` does.
fn app_address(params: &HashMap<String, String>) -> Result<Option<AppAddress>, ApiError> {
    match (params.get("appId"), params.get("appKey")) {
        (Some(raw), _) => validate::canonical_id(raw)
            .map(|id| Some(AppAddress::Id(id)))
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!("There is no app with id {raw:?}; appId is a positive number without sign or leading zeros."),
                )
            }),
        (None, Some(key)) => Ok(Some(AppAddress::Key(key.clone()))),
        (None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::caller::Anyone;

    async fn nothing(_: Ctx<'_, Anyone>, (): ()) -> Result<bool, Error> {
        Ok(true)
    }

    #[test]
    fn finds_routes_and_their_parameters() {
        let router = Router::new(Routes::new().get("/a/{id}/b", Anyone, nothing).put(
            "/a/{id}/b",
            Anyone,
            nothing,
        ));
        let (route, params) = router.find(&Method::PUT, "/a/7/b").unwrap();
        assert_eq!((&route.method, route.path), (&Method::PUT, "/a/{id}/b"));
        assert_eq!(params, HashMap::from([("id".to_owned(), "7".to_owned())]));
        assert_eq!(
            router.find(&Method::DELETE, "/a/7/b").err().unwrap().status(),
            405
        );
        assert_eq!(router.find(&Method::GET, "/a/7/c").err().unwrap().status(), 404);
    }

    #[test]
    fn reads_the_app_address() {
        let params = |k: &str, v: &str| HashMap::from([(k.to_owned(), v.to_owned())]);
        assert_eq!(
            app_address(&params("appId", "7")).unwrap(),
            Some(AppAddress::Id(7))
        );
        assert_eq!(
            app_address(&params("appKey", "demo")).unwrap(),
            Some(AppAddress::Key("demo".into()))
        );
        assert_eq!(app_address(&HashMap::new()).unwrap(), None);
        for bad in ["0", "-1", "abc", "", "+7", "07", " 7"] {
            assert_eq!(app_address(&params("appId", bad)).unwrap_err().status(), 404);
        }
    }
}
