#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    oauthapp_shared::function::run(qr_auth::AppState::new, qr_auth::handle).await
}
