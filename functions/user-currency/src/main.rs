#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    oauthapp_shared::http::run(user_currency::routes).await
}
