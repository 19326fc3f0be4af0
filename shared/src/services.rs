//! What a function builds once per cold start and shares across requests.

use aws_config::BehaviorVersion;

use crate::config::{Config, ConfigError};
use crate::store::Store;
use crate::token::Tokens;

pub struct Services {
    pub config: Config,
    pub store: Store,
    pub tokens: Tokens,
}

impl Services {
    pub fn new(config: Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        Self {
            store: Store::new(dynamodb, config.table_name.clone()),
            tokens: Tokens::new(&config.token),
            config,
        }
    }

    /// Reads configuration (and the token secret) and builds the clients.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
        let config = Config::load(&sdk).await?;
        Ok(Self::new(config, aws_sdk_dynamodb::Client::new(&sdk)))
    }
}
