//! The wechat function's integration tests, one binary, against DynamoDB
//! Local and a fake WeChat through `testkit::Harness`.

mod budget;
mod callers;
mod calls;
mod common;
mod guards;
mod rate_limits;
mod request_counts;
mod sealed_secrets;
mod token_cache;
