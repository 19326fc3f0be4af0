#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    oauthapp_shared::function::run(wechat::AppState::new, wechat::handle).await
}
