use key_rotation::{RotationEvent, Rotator};
use lambda_runtime::{LambdaEvent, service_fn};
use oauthapp_shared::config::{self, Config};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    oauthapp_shared::logging::init();
    let sdk = oauthapp_shared::aws_sdk::config().await;
    let rotator: &'static Rotator = Box::leak(Box::new(Rotator {
        client: aws_sdk_secretsmanager::Client::new(&sdk),
        rotation: Config::key_rotation(config::env)?,
    }));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<RotationEvent>| async move {
        rotator
            .step(&event.payload)
            .await
            .map_err(lambda_runtime::Error::from)
    }))
    .await
}
