#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    oauthapp_shared::function::run(external_account::AppState::new, external_account::handle).await
}
