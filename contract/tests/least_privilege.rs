//! Each function's IAM policy grants exactly the DynamoDB requests its
//! tests record it making (`testkit::dynamodb_usage`): every recorded
//! (action, partition-key prefix, index) is allowed, and every allowed one
//! was recorded. `make test` runs this after the whole suite, over the
//! record it left in `DYNAMODB_USAGE_DIR`.

mod support;

use std::collections::BTreeSet;

use support::{Yaml, assert_none, at, resources_of_type, text};
use testkit::dynamodb_usage::{USAGE_DIR, usage_line};

/// The (action, prefix, index) lines one statement allows; problems with a
/// statement that names no key prefixes.
fn allowed_by(function: &str, statement: &Yaml, problems: &mut Vec<String>) -> BTreeSet<String> {
    let sid = text(statement, &["Sid"]).unwrap_or("(no Sid)");
    let actions: Vec<&str> = at(statement, &["Action"])
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Yaml::as_str)
        .filter_map(|action| action.strip_prefix("dynamodb:"))
        .collect();
    if actions.is_empty() {
        return BTreeSet::new();
    }
    let prefixes: Vec<String> = at(
        statement,
        &["Condition", "ForAllValues:StringLike", "dynamodb:LeadingKeys"],
    )
    .and_then(Yaml::as_sequence)
    .into_iter()
    .flatten()
    .filter_map(Yaml::as_str)
    .map(|pattern| pattern.strip_suffix("#*").unwrap_or(pattern).to_owned())
    .collect();
    if prefixes.is_empty() || text(statement, &["Effect"]) != Some("Allow") {
        problems.push(format!(
            "{function} {sid}: a DynamoDB statement must Allow under ForAllValues:StringLike dynamodb:LeadingKeys"
        ));
    }
    let indexes: Vec<Option<String>> = at(statement, &["Resource"])
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .map(|resource| {
            text(resource, &["Fn::Sub"])
                .and_then(|sub| sub.rsplit_once("/index/"))
                .map(|(_, index)| index.to_owned())
        })
        .collect();
    let mut allowed = BTreeSet::new();
    for action in &actions {
        for index in &indexes {
            for prefix in &prefixes {
                allowed.insert(usage_line(action, prefix, index.as_deref()));
            }
        }
    }
    allowed
}

#[test]
#[ignore = "needs the record of the whole suite: make test runs it after the workspace's tests"]
fn each_function_may_make_exactly_the_requests_its_tests_make() {
    let dir = std::env::var(USAGE_DIR).expect("DYNAMODB_USAGE_DIR names the suite's record");
    let template = support::template();
    let mut problems = Vec::new();
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        let binary = text(function, &["Metadata", "BuildProperties", "Binary"]).expect("a binary");
        if support::is_key_rotation(function) {
            continue; // no table: template.rs checks its policy
        }
        let path = std::path::Path::new(&dir).join(format!("{binary}.txt"));
        let recorded: BTreeSet<String> = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| {
                panic!(
                    "{}: {err}; did the suite run with {USAGE_DIR} set?",
                    path.display()
                )
            })
            .lines()
            .map(str::to_owned)
            .collect();
        let mut allowed = BTreeSet::new();
        for statement in support::statements(function) {
            allowed.extend(allowed_by(&id, statement, &mut problems));
        }
        for used in recorded.difference(&allowed) {
            problems.push(format!(
                "{id} ({binary}) makes `{used}`, which its policy does not allow"
            ));
        }
        for unused in allowed.difference(&recorded) {
            problems.push(format!(
                "{id} ({binary}) is allowed `{unused}`, which no test makes it do"
            ));
        }
    }
    assert_none("functions' DynamoDB policies and what their tests do", &problems);
}
