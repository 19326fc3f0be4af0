//! The account function's integration tests, one binary: the function built
//! from its own route table, on a fresh app in DynamoDB Local.

mod common;

mod addresses;
mod bindings;
mod concurrency;
mod deactivation;
mod lockout;
mod not_found;
mod passwords;
mod profile;
mod rate_limits;
mod request_counts;
mod seed_samples;
mod sessions;
mod signing_keys;
mod store_failures;
mod tokens;
mod two_factor;
mod union_id_proof;
mod v1_users;
mod validation;
mod wechat_code;
