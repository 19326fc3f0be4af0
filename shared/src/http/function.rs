//! The entry point every function's `main` calls.

use std::any::Any;
use std::future::Future;
use std::time::Instant;

use aws_config::SdkConfig;
use lambda_http::{Body, Request, Response, service_fn};
use tracing::Instrument;

use crate::config::{self, Config, ConfigError};
use crate::delivery::Delivery;
use crate::domain::Error;
use crate::http::envelope::Envelope;
use crate::http::route::{Router, Routes};
use crate::store::Store;
use crate::{Services, aws_sdk, logging};

/// The message of the log line that says init's DynamoDB warm-up is done.
pub const WARMED_UP: &str = "warmed up: DynamoDB connection open, app keys read";

fn elapsed_us(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// Reads the first app keys into `store`'s memo, which opens its connection.
/// A failure is only logged: the first requests will open it instead. The
/// log line's `elapsed_us` is how `cold-start` tells the warm-up apart from
/// the rest of init.
async fn warm_up(store: &Store) {
    let warming = Instant::now();
    match store.warm_up().await {
        Ok(app_keys) => tracing::info!(app_keys, elapsed_us = elapsed_us(warming), "{WARMED_UP}"),
        Err(err) => tracing::warn!(error = %err, elapsed_us = elapsed_us(warming), "warming up failed"),
    }
}

/// A function as an instance runs it: its services and its router, built
/// once per cold start and shared by every request.
pub struct Function {
    pub services: Services,
    router: Router,
}

impl Function {
    pub fn new(services: Services, routes: Routes) -> Self {
        Self {
            services,
            router: Router::new(routes),
        }
    }

    /// The response to `req`, by the route it names.
    pub async fn answer(&self, req: Request) -> Response<Body> {
        self.router.answer(&self.services, req).await
    }
}

/// Builds the function once per cold start (configuration, keys, clients,
/// the router of `routes`) and answers every request.
pub async fn run(routes: fn() -> Routes) -> Result<(), lambda_http::Error> {
    serve(routes, |_| async { Ok(None) }).await
}

/// As `run`, for the function that sends verification codes: it also
/// builds the email and SMS senders (and reads Tencent Cloud's key).
pub async fn run_sending_codes(routes: fn() -> Routes) -> Result<(), lambda_http::Error> {
    serve(
        routes,
        |sdk| async move { config::delivery(&sdk).await.map(Some) },
    )
    .await
}

/// `senders` builds the function's senders of verification codes, if any.
/// It is a type parameter, not a flag, so that only the function that sends
/// codes links the SES and SNS clients (docs/measurements.md, "Binary size").
async fn serve<Senders, Building>(routes: fn() -> Routes, senders: Senders) -> Result<(), lambda_http::Error>
where
    Senders: FnOnce(SdkConfig) -> Building,
    Building: Future<Output = Result<Option<Delivery>, ConfigError>>,
{
    logging::init();
    let sdk = aws_sdk::config().await;
    let store = Store::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        Config::table_name(config::env),
    );
    // Open the DynamoDB connection before Lambda hands over the first
    // request, so that request does not wait for it; and while the keys come
    // from Secrets Manager, since in AWS each is a TLS handshake of its own.
    // The warm-up goes first, to have its request out before the rest runs.
    // The senders' Tencent Cloud key is read beside the others, not after them.
    let ((), config, delivery) =
        tokio::join!(biased; warm_up(&store), Config::load(&sdk), senders(sdk.clone()));
    let services = Services::with_store(config?, store);
    let services = match delivery? {
        Some(delivery) => services.with_delivery(delivery),
        None => services,
    };
    // The function lives as long as the process: Lambda reuses it across requests.
    let function: &'static Function = Box::leak(Box::new(Function::new(services, routes())));
    lambda_http::run(service_fn(move |req: Request| async move {
        let envelope = Envelope::for_path(req.uri().path());
        Ok::<_, lambda_http::Error>(contain_panics(envelope, function.answer(req)).await)
    }))
    .await
}

/// The handler's response; if the handler panics, a 500 in `envelope`
/// instead. The panic ends only the request's task: the instance keeps serving.
pub async fn contain_panics<F>(envelope: Envelope, handling: F) -> Response<Body>
where
    F: Future<Output = Response<Body>> + Send + 'static,
{
    // The task carries the invocation's span, so its logs keep the request id.
    match tokio::spawn(handling.in_current_span()).await {
        Ok(response) => response,
        Err(failure) => {
            let cause = match failure.try_into_panic() {
                Ok(payload) => format!("handler panicked: {}", panic_message(&*payload)),
                Err(failure) => format!("handler task failed: {failure}"),
            };
            envelope.answer(Err(Error::internal(cause).into()))
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::envelope::Outcome;
    use serde_json::Value;

    fn body(response: &Response<Body>) -> Value {
        match response.body() {
            Body::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("not a text body: {other:?}"),
        }
    }

    async fn answer(envelope: Envelope, panics: bool) -> Response<Body> {
        contain_panics(envelope, async move {
            if panics {
                panic!("a bug in a handler");
            }
            envelope.answer(Ok(Outcome::Data(serde_json::json!({"ok": true}))))
        })
        .await
    }

    #[tokio::test]
    async fn a_panic_is_a_500_envelope_and_the_next_request_is_served() {
        let failed = answer(Envelope::Legacy, true).await;
        assert_eq!(failed.status(), 500);
        let failed = body(&failed);
        assert_eq!(failed["code"], 500);
        assert!(failed["data"].is_null());
        // The client learns nothing of the cause.
        assert!(!failed["err"].as_str().unwrap().contains("bug"), "{failed}");

        let served = answer(Envelope::Legacy, false).await;
        assert_eq!(served.status(), 200);
        assert_eq!(body(&served)["data"]["ok"], true);

        let failed = body(&answer(Envelope::V1, true).await);
        assert_eq!(failed["code"], 500);
        assert!(failed["error"].is_string(), "{failed}");
    }
}
