//! How long the wechat function may run, as template.yaml gives it.

use std::time::Duration;

use oauthapp_shared::wechat::REQUEST_WORST_CASE;

/// `WechatFunction`'s `Timeout` in template.yaml.
pub fn wechat_function_timeout() -> Duration {
    let template = include_str!("../../../../template.yaml");
    let function = template
        .split_once("\n  WechatFunction:\n")
        .expect("template.yaml declares WechatFunction")
        .1;
    let seconds = function
        .lines()
        .find_map(|line| line.strip_prefix("      Timeout: "))
        .expect("WechatFunction has a Timeout")
        .trim()
        .parse()
        .expect("a Timeout in whole seconds");
    Duration::from_secs(seconds)
}

#[test]
fn the_worst_case_of_a_request_answers_inside_the_function_timeout() {
    let timeout = wechat_function_timeout();
    assert!(
        REQUEST_WORST_CASE < timeout,
        "a request may run {REQUEST_WORST_CASE:?}; the function stops after {timeout:?}"
    );
}
