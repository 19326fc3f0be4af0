//! The entry point every function's `main` calls.

use std::future::Future;

use lambda_http::{Body, Error, Request, Response, service_fn};

use crate::Services;

/// Builds the function's state once per cold start (configuration, token
/// secret, clients) and answers every request with `handle`.
pub async fn run<S, H, F>(build: fn(Services) -> S, handle: H) -> Result<(), Error>
where
    S: Send + Sync + 'static,
    H: Fn(&'static S, Request) -> F + Copy + Send + 'static,
    F: Future<Output = Response<Body>> + Send,
{
    lambda_http::tracing::init_default_subscriber();
    // The state lives as long as the process: Lambda reuses it across requests.
    let state: &'static S = Box::leak(Box::new(build(Services::from_env().await?)));
    lambda_http::run(service_fn(move |req| async move {
        Ok::<_, Error>(handle(state, req).await)
    }))
    .await
}
