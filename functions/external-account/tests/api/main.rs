//! The external-account function's integration tests, against DynamoDB
//! Local: one test binary, one module per concern.

mod common;

mod bindings;
mod request_counts;
mod sign_in;
mod store_failures;
mod two_factor;
mod wechat_code;
