//! What every OAuthApp Lambda function shares: the response envelope and its
//! error type, request parsing and validation, tokens, passwords, the request
//! signature that proves a union id, configuration and the DynamoDB store.

pub mod aws_sdk;
pub mod clock;
pub mod config;
pub mod envelope;
pub mod error;
pub mod function;
pub mod password;
pub mod proof;
pub mod registration;
pub mod request;
pub mod routing;
pub mod services;
pub mod sign_in;
pub mod signature;
pub mod store;
pub mod token;
pub mod two_factor;
pub mod validate;
pub mod wechat;

pub use config::Config;
pub use envelope::Envelope;
pub use error::ApiError;
pub use services::Services;
