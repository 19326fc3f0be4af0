use lambda_http::{Error, service_fn};
use oauthapp_shared::Services;
use qr_auth::{AppState, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let state = AppState::new(Services::from_env().await?);
    lambda_http::run(service_fn(|req| async {
        Ok::<_, Error>(handle(&state, req).await)
    }))
    .await
}
