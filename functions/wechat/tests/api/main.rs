//! The wechat function's integration tests, one binary, against DynamoDB
//! Local and a fake WeChat through `testkit::Harness`.

mod calls;
mod common;
mod rate_limits;
mod request_counts;
mod token_cache;
