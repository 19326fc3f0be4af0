#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    oauthapp_shared::function::run(account::AppState::new, account::handle).await
}
