//! The qr-auth function's integration tests, one binary, against DynamoDB
//! Local through `testkit::Harness`.

mod card_text;
mod common;
mod cors;
mod flow;
mod request_counts;
mod store_failures;
mod strict;
mod wechat_code;
