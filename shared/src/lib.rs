//! What every OAuthApp Lambda function shares, in layers that depend one
//! way, from the bottom:
//!
//! - `domain`: the records, the rules they follow and the field rules; no I/O.
//! - `store`: the DynamoDB table, and nothing else.
//! - `wechat`: the client of WeChat's server API.
//! - `auth`: tokens, the app backend's signature, passwords, two-factor codes.
//! - `services`, `config` and `logging`: what a function builds once per cold start.
//! - `flows`: sign-in, sign-up and union-id proofs, which several functions share.
//! - `http`: the edge: routes, what a caller must present, request parsing,
//!   the two envelopes and the status of each kind of error.

pub mod auth;
pub mod aws_sdk;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod flows;
pub mod http;
pub mod logging;
pub mod services;
pub mod store;
pub mod wechat;

pub use config::Config;
pub use services::Services;
