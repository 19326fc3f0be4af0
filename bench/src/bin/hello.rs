//! The floor `cold-start` compares the functions with: a bare
//! `lambda_runtime` function, built in the same workspace and profile, that
//! answers every event with a fixed 200 envelope.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({"statusCode": 200, "body": r#"{"code":200,"data":"hello","err":""}"#}))
    }))
    .await
}
