//! What a function builds once per cold start and shares across requests.

use crate::auth::token::Tokens;
use crate::auth::two_factor::SecretBox;
use crate::config::Config;
use crate::delivery::Delivery;
use crate::domain::Error;
use crate::domain::verification::CodeHasher;
use crate::store::Store;
use crate::wechat::Wechat;

pub struct Services {
    pub config: Config,
    pub store: Store,
    pub tokens: Tokens,
    /// Seals users' TOTP secrets; only functions given the key have it.
    totp_secrets: Option<SecretBox>,
    /// Calls WeChat's server API on the apps' behalf.
    pub wechat: Wechat,
    /// Hashes verification codes (a key derived from `APP_SECRETS_KEY`).
    pub code_hasher: CodeHasher,
    /// Sends verification codes; only the function that sends them has it.
    delivery: Option<Delivery>,
}

impl Services {
    /// Services over `dynamodb`, with a store of their own: a new
    /// instance's, whose memo starts empty.
    pub fn new(config: Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        let store = Store::new(dynamodb, config.table_name.clone());
        Self::with_store(config, store)
    }

    /// Services over a store built earlier (init warms it up meanwhile,
    /// before the keys have arrived); from here on it seals and opens the
    /// secrets the table keeps.
    pub fn with_store(config: Config, store: Store) -> Self {
        let store = store.with_sealing(&config.app_secrets_key);
        Self {
            wechat: Wechat::new(&config.wechat_api_base, store.clone()),
            code_hasher: CodeHasher::new(config.app_secrets_key.expose().as_bytes()),
            delivery: None,
            store,
            tokens: Tokens::new(&config.token),
            totp_secrets: config
                .two_factor_key
                .as_ref()
                .map(|key| SecretBox::new(key.expose().as_bytes())),
            config,
        }
    }

    /// These services, sending verification codes through `delivery`.
    pub fn with_delivery(self, delivery: Delivery) -> Self {
        Self {
            delivery: Some(delivery),
            ..self
        }
    }

    /// The senders of verification codes; a deployment fault where the
    /// function was given none.
    pub fn delivery(&self) -> Result<&Delivery, Error> {
        self.delivery
            .as_ref()
            .ok_or_else(|| Error::internal("this function sends no verification codes but was asked to"))
    }

    /// What seals and opens users' TOTP secrets; a deployment fault where
    /// the function was given no two-factor key.
    pub fn totp_secrets(&self) -> Result<&SecretBox, Error> {
        self.totp_secrets.as_ref().ok_or_else(|| {
            Error::internal("this function has no TWO_FACTOR_KEY but handled a two-factor secret")
        })
    }
}
