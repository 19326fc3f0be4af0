//! CORS, per app: a web page may read the API's answers only when its
//! origin is one of the app's web origins (`apps set --web-origins`). The
//! router answers the preflight `OPTIONS` of every path it declares, and
//! adds `Access-Control-Allow-Origin` to every answer for a listed origin;
//! any other origin gets no CORS header, so its browser hands the page
//! nothing. There is no credentials mode: tokens travel in the
//! `Authorization` header, never in cookies, so a request from a page
//! carries no authority of its own.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use lambda_http::http::header::{self, HeaderValue};
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::flows::app::AppRef;
use crate::http::error::ApiError;
use crate::http::route::not_allowed;
use crate::store::{Store, StoreError};

/// The request headers a page may send: the token and the JSON body's type.
/// The backend signature's headers are not among them: the app secret
/// never belongs in a browser.
const ALLOWED_HEADERS: &str = "authorization, content-type";
/// How long a browser may keep a preflight's answer. A removed origin stops
/// reading answers at once anyway: every answer carries its own header.
const MAX_AGE_SECONDS: &str = "600";
/// How long an instance keeps an app's web origins before reading them again.
const FRESH_FOR: Duration = Duration::from_secs(10);

/// The request's `Origin`, when it sends a readable one.
pub fn origin(req: &Request) -> Option<&str> {
    req.headers().get(header::ORIGIN)?.to_str().ok()
}

/// Each app's web origins as an instance last read them, kept `FRESH_FOR`:
/// a page polling a QR key every second or two costs its app one read per
/// instance every ten seconds, not one per poll.
#[derive(Default)]
pub struct WebOrigins {
    read: RwLock<HashMap<u64, Read>>,
}

/// An app's web origins and when they were read.
type Read = (Instant, Arc<[String]>);

impl WebOrigins {
    /// Whether `origin` is one of the web origins of `app`; `None` when
    /// there is no such app. One eventually consistent read of the app item
    /// unless this instance read its origins in the last `FRESH_FOR`.
    pub async fn list(&self, store: &Store, app: u64, origin: &str) -> Result<Option<bool>, StoreError> {
        let known = self.read.read().ok().and_then(|read| {
            read.get(&app)
                .filter(|(at, _)| at.elapsed() < FRESH_FOR)
                .map(|(_, origins)| origins.clone())
        });
        let origins = match known {
            Some(origins) => origins,
            None => {
                // Unknown apps are not kept: the memo holds real apps only.
                let Some(origins) = store.app_web_origins(app).await? else {
                    return Ok(None);
                };
                let origins: Arc<[String]> = origins.into();
                if let Ok(mut read) = self.read.write() {
                    read.insert(app, (Instant::now(), origins.clone()));
                }
                origins
            }
        };
        Ok(Some(origins.iter().any(|listed| listed == origin)))
    }

    /// The headers for an answer to `origin`, if `app` lists it. A failed
    /// read costs the page its answer, never the request its handling.
    pub async fn allow(&self, store: &Store, app: u64, origin: Option<&str>) -> Option<HeaderValue> {
        let origin = origin?;
        match self.list(store, app, origin).await {
            Ok(Some(true)) => HeaderValue::from_str(origin).ok(),
            Ok(_) => None,
            Err(err) => {
                tracing::warn!(error = %err, app, "reading the app's web origins failed; answering without CORS");
                None
            }
        }
    }

    /// The answer to a preflight for `app` on a path served with `methods`:
    /// 204 with the CORS headers for a listed origin, else an error saying
    /// what is wrong (which the browser turns into a failed request).
    pub async fn preflight(
        &self,
        store: &Store,
        app: &AppRef,
        req: &Request,
        methods: &[&Method],
    ) -> Result<Response<Body>, ApiError> {
        let origin = asked(req, methods)?;
        match self
            .list(store, app.id, origin)
            .await
            .map_err(crate::domain::Error::from)?
        {
            None => Err(app.unknown().into()),
            Some(false) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "{origin:?} is not one of this app's web origins (oauthapp-admin apps set --web-origins)."
                ),
            )),
            Some(true) => preflight_allowed(origin, methods),
        }
    }
}

/// The origin of a well-formed preflight for one of `methods`, or what is
/// wrong with it.
fn asked<'r>(req: &'r Request, methods: &[&Method]) -> Result<&'r str, ApiError> {
    let requested = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|method| Method::from_bytes(method.as_bytes()).ok());
    let (Some(origin), Some(requested)) = (origin(req), requested) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "OPTIONS answers CORS preflights only: send Origin and Access-Control-Request-Method.",
        ));
    };
    if !methods.contains(&&requested) {
        return Err(not_allowed(&requested));
    }
    Ok(origin)
}

/// The preflight of a path whose app is not in it (the OAuth edge): any
/// origin may send; the answer itself carries CORS only for the app's
/// web origins (or for anyone, on a public document).
pub fn open_preflight(req: &Request, methods: &[&Method]) -> Result<Response<Body>, ApiError> {
    preflight_allowed(asked(req, methods)?, methods)
}

fn preflight_allowed(origin: &str, methods: &[&Method]) -> Result<Response<Body>, ApiError> {
    let methods: Vec<&str> = methods.iter().map(|method| method.as_str()).collect();
    Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin)
        .header(header::ACCESS_CONTROL_ALLOW_METHODS, methods.join(", "))
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS)
        .header(header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS)
        .header(header::VARY, "Origin")
        .body(Body::Empty)
        .map_err(|err| crate::domain::Error::internal(err).into())
}

/// Adds the headers that let a listed origin read `response`, its
/// `Retry-After` included (not a header pages may read unless told).
pub fn allow(response: &mut Response<Body>, origin: HeaderValue) {
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
}
