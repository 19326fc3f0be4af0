//! What a function builds once per cold start and shares across requests.

use crate::auth::token::Tokens;
use crate::auth::two_factor::SecretBox;
use crate::config::Config;
use crate::store::Store;
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
            totp_secrets: SecretBox::new(config.two_factor_key.expose().as_bytes()),
            config,
        }
    }
}
