#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    oauthapp_shared::http::run(app::routes).await
}
