//! What a function builds once per cold start and shares across requests.

use lambda_http::Request;

use crate::ApiError;
use crate::config::Config;
use crate::store::Store;
use crate::store::User;
use crate::token::Tokens;
use crate::two_factor::SecretBox;
use crate::wechat::Wechat;

pub struct Services {
    pub config: Config,
    pub store: Store,
    pub tokens: Tokens,
    /// Seals users' TOTP secrets.
    pub totp_secrets: SecretBox,
    /// Calls WeChat's server API on the apps' behalf.
    pub wechat: Wechat,
}

impl Services {
    /// Services over `dynamodb`, with a store of their own: a new
    /// instance's, whose memo starts empty.
    pub fn new(config: Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        let store = Store::new(dynamodb, config.table_name.clone());
        Self::with_store(config, store)
    }

    /// Services over a store built earlier (init warms it up meanwhile).
    pub fn with_store(config: Config, store: Store) -> Self {
        Self {
            wechat: Wechat::new(&config.wechat_api_base, store.clone()),
            store,
            tokens: Tokens::new(&config.token),
            totp_secrets: SecretBox::new(&config.two_factor_key.0),
            config,
        }
    }

    /// The user the request's Bearer token speaks for, in app `app_id`.
    pub async fn signed_in_user(&self, req: &Request, app_id: u64) -> Result<User, ApiError> {
        let subject = self.tokens.authenticate(req, app_id)?;
        self.store
            .user(app_id, subject.user_id)
            .await?
            .ok_or_else(ApiError::user_gone)
    }
}
