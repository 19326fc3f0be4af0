//! template.yaml against the shared crate: the table it declares is the one
//! `oauthapp_shared::store` uses (keys, indexes, TTL), and every function
//! gets the configuration `oauthapp_shared::config` reads.

mod support;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, RuntimeComponents};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use oauthapp_shared::Config;
use oauthapp_shared::auth::signing_keys::{KeySet, Rotation};
use oauthapp_shared::config::{
    APP_SECRETS_KEY, MIN_SECRET_BYTES, SECRETS, SIGNING_KEYS, SecretSource, Secrets, SigningKeys,
    TOKEN_SECRET, TWO_FACTOR_KEY,
};
use oauthapp_shared::domain::Secret;
use oauthapp_shared::store::{keys, schema};
use serde_json::{Value as Json, json};
use support::{Yaml, assert_none, at, ref_target, resource_type, resources_of_type, text};

/// The template's only table, as JSON (CloudFormation's table properties
/// mirror DynamoDB's CreateTable request).
fn table(template: &Yaml) -> (String, Json) {
    let tables = resources_of_type(template, "AWS::DynamoDB::Table");
    assert_eq!(
        tables.len(),
        1,
        "template.yaml declares exactly one AWS::DynamoDB::Table (single-table design)"
    );
    let (id, table) = &tables[0];
    let properties = at(table, &["Properties"]).expect("the table has Properties");
    let mut properties = serde_json::to_value(properties).expect("YAML converts to JSON");
    // As a new stack gets it: a condition's default (false) branch.
    for (name, value) in properties.as_object_mut().expect("Properties is a mapping") {
        if let Some(branches) = value.get("Fn::If").and_then(Json::as_array) {
            *value = branches
                .get(2)
                .cloned()
                .unwrap_or_else(|| panic!("{name}: Fn::If has no false branch"));
        }
    }
    (id.clone(), properties)
}

fn key_schema(hash: &str, range: &str) -> Json {
    json!([{"AttributeName": hash, "KeyType": "HASH"}, {"AttributeName": range, "KeyType": "RANGE"}])
}

/// The parts of a table definition both sides state, in one order.
fn normalized(table: &Json) -> Json {
    let sorted = |list: &Json, by: &str, fields: &[&str]| {
        let mut items: Vec<Json> = list
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| {
                fields
                    .iter()
                    .map(|field| (field.to_string(), item[field].clone()))
                    .collect()
            })
            .collect();
        items.sort_by_key(|item| item[by].to_string());
        Json::Array(items)
    };
    json!({
        "BillingMode": table["BillingMode"],
        "AttributeDefinitions": sorted(&table["AttributeDefinitions"], "AttributeName", &["AttributeName", "AttributeType"]),
        "KeySchema": table["KeySchema"],
        "GlobalSecondaryIndexes": sorted(&table["GlobalSecondaryIndexes"], "IndexName", &["IndexName", "KeySchema", "Projection"]),
        "LocalSecondaryIndexes": sorted(&table["LocalSecondaryIndexes"], "IndexName", &["IndexName", "KeySchema", "Projection"]),
    })
}

#[test]
fn table_matches_store_keys() {
    let (id, table) = table(&support::template());
    let all = json!({"ProjectionType": "ALL"});
    let attributes = [keys::PK, keys::SK, keys::GSI1_PK, keys::GSI1_SK, keys::LSI1_SK]
        .map(|name| json!({"AttributeName": name, "AttributeType": "S"}));
    let expected = normalized(&json!({
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attributes,
        "KeySchema": key_schema(keys::PK, keys::SK),
        "GlobalSecondaryIndexes": [
            {"IndexName": keys::USERS_INDEX, "KeySchema": key_schema(keys::GSI1_PK, keys::GSI1_SK), "Projection": {"ProjectionType": "KEYS_ONLY"}},
        ],
        "LocalSecondaryIndexes": [
            {"IndexName": keys::LSI1, "KeySchema": key_schema(keys::PK, keys::LSI1_SK), "Projection": all},
        ],
    }));
    let mut problems = differences(
        &expected,
        &normalized(&table),
        "oauthapp_shared::store::keys",
        &id,
    );
    let ttl = json!({"AttributeName": keys::TTL, "Enabled": true});
    if table["TimeToLiveSpecification"] != ttl {
        problems.push(format!(
            "{id}.TimeToLiveSpecification is {}, keys::TTL wants {ttl}",
            table["TimeToLiveSpecification"]
        ));
    }
    assert_none(
        "template.yaml's table differs from oauthapp_shared::store::keys",
        &problems,
    );
}

/// One line per differing property.
fn differences(expected: &Json, found: &Json, expected_from: &str, id: &str) -> Vec<String> {
    let expected = expected.as_object().expect("an object");
    expected
        .iter()
        .filter(|(name, value)| found.get(name.as_str()) != Some(value))
        .map(|(name, value)| {
            format!(
                "{id}.{name} is {}, {expected_from} has {value}",
                found.get(name.as_str()).unwrap_or(&Json::Null)
            )
        })
        .collect()
}

/// Answers DynamoDB requests with success and records (operation, body).
#[derive(Debug, Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(String, Json)>>>);

impl HttpConnector for Recorder {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let body = request
            .body()
            .bytes()
            .and_then(|bytes| serde_json::from_slice(bytes).ok())
            .unwrap_or_default();
        self.0
            .lock()
            .expect("recorder lock")
            .push((operation.clone(), body));
        let reply = match operation.as_str() {
            "DescribeTable" => r#"{"Table":{"TableStatus":"ACTIVE"}}"#,
            _ => "{}",
        };
        let status = StatusCode::try_from(200).expect("200 is a status");
        HttpConnectorFuture::ready(Ok(HttpResponse::new(status, SdkBody::from(reply))))
    }
}

impl HttpClient for Recorder {
    fn http_connector(&self, _: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// The requests `schema::ensure_table` (local stacks, tests) sends, compared
/// with the table template.yaml declares for AWS.
#[tokio::test]
async fn table_matches_the_one_schema_creates() {
    let recorder = Recorder::default();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("contract", "test", None, None, "contract"))
        .http_client(recorder.clone())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    schema::ensure_table(&client, "contract")
        .await
        .expect("ensure_table against the recorder");
    let requests: BTreeMap<String, Json> = recorder
        .0
        .lock()
        .expect("recorder lock")
        .iter()
        .cloned()
        .collect();
    let create = requests
        .get("CreateTable")
        .expect("ensure_table sends CreateTable");
    let ttl = &requests
        .get("UpdateTimeToLive")
        .expect("ensure_table sends UpdateTimeToLive")["TimeToLiveSpecification"];

    let (id, table) = table(&support::template());
    let mut problems = differences(
        &normalized(create),
        &normalized(&table),
        "schema.rs's CreateTable",
        &id,
    );
    if &table["TimeToLiveSpecification"] != ttl {
        problems.push(format!(
            "{id}.TimeToLiveSpecification is {}, schema.rs's UpdateTimeToLive has {ttl}",
            table["TimeToLiveSpecification"]
        ));
    }
    assert_none(
        "template.yaml's table differs from shared/src/store/schema.rs",
        &problems,
    );
}

/// The table's durability settings, which only the template states.
#[test]
fn table_is_protected() {
    let template = support::template();
    let (id, table) = table(&template);
    let resource = at(&template, &["Resources", &id]).expect("the table resource");
    let mut problems = Vec::new();
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        if text(resource, &[policy]) != Some("Retain") {
            problems.push(format!(
                "{id}.{policy} must be Retain: the table holds every user"
            ));
        }
    }
    let expected = [
        (
            "PointInTimeRecoverySpecification",
            json!({"PointInTimeRecoveryEnabled": true}),
        ),
        ("DeletionProtectionEnabled", json!(true)),
        ("SSESpecification", json!({"SSEEnabled": true})),
    ];
    for (name, value) in expected {
        if table[name] != value {
            problems.push(format!("{id}.{name} must be {value}"));
        }
    }
    assert_none("the table is not protected", &problems);
}

/// Keys of the minimum length, for checking the rest of the configuration.
fn any_secrets() -> Secrets {
    Secrets {
        token: Some(Secret::new("0".repeat(MIN_SECRET_BYTES))),
        app_secrets: Secret::new("0".repeat(MIN_SECRET_BYTES)),
        two_factor: Some(Secret::new("0".repeat(MIN_SECRET_BYTES))),
        signing_keys: Some(SigningKeys {
            set: KeySet::default()
                .rotated(1_800_000_000, Rotation::new(3_600))
                .expect("a key set"),
            source: None,
        }),
    }
}

/// Every function gets each variable the shared configuration reads, with
/// values it accepts, and every key only by reference to a secret.
#[test]
fn functions_get_the_configuration_they_read() {
    let asked = RefCell::new(BTreeSet::new());
    Config::from_lookup(
        |name| {
            asked.borrow_mut().insert(name.to_owned());
            None
        },
        any_secrets(),
    )
    .expect("the configuration's defaults are valid");
    let mut needed = asked.into_inner();
    // `Config::load` reads the token and app-secrets keys besides what
    // `Config::from_lookup` reads; the two-factor key only where a function
    // is given it.
    needed.extend(REQUIRED_SECRETS.map(|source| source.arn.to_owned()));

    let template = support::template();
    let globals =
        at(&template, &["Globals", "Function", "Environment", "Variables"]).and_then(Yaml::as_mapping);
    let mut problems = Vec::new();
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        if support::is_key_rotation(function) {
            continue; // the_key_rotation_function_may_change_the_signing_keys_only
        }
        let own = at(function, &["Properties", "Environment", "Variables"]).and_then(Yaml::as_mapping);
        let variables: BTreeMap<String, &Yaml> = globals
            .into_iter()
            .chain(own)
            .flatten()
            .map(|(name, value)| (name.as_str().unwrap_or_default().to_owned(), value))
            .collect();
        for name in &needed {
            if !variables.contains_key(name) {
                problems.push(format!(
                    "{id}: environment variable {name} is missing (shared/src/config.rs reads it)"
                ));
            }
        }
        let table = variables.get("TABLE_NAME").and_then(|value| ref_target(value));
        if table.and_then(|table| resource_type(&template, table)) != Some("AWS::DynamoDB::Table") {
            problems.push(format!("{id}: TABLE_NAME must be {{Ref: <the table>}}"));
        }
        let mut secrets = Vec::new();
        for source in SECRETS {
            if variables.contains_key(source.plain) {
                problems.push(format!(
                    "{id}: {} puts a key in plain text; use {}",
                    source.plain, source.arn
                ));
            }
            match variables.get(source.arn).map(|value| ref_target(value)) {
                None if !REQUIRED_SECRETS.iter().any(|required| required.arn == source.arn) => {}
                Some(Some(secret))
                    if resource_type(&template, secret) == Some("AWS::SecretsManager::Secret") =>
                {
                    problems.extend(secret_problems(&template, secret, source));
                    secrets.push(secret);
                }
                _ => problems.push(format!(
                    "{id}: {} must be {{Ref: <an AWS::SecretsManager::Secret>}}",
                    source.arn
                )),
            }
        }
        problems.extend(policy_problems(
            &id,
            function,
            &secrets,
            table.unwrap_or_default(),
        ));
        // The values as deployed with the parameters' defaults must be accepted.
        let value_of = |name: &str| {
            let value = variables.get(name)?;
            match ref_target(value) {
                Some(target) => at(&template, &["Parameters", target, "Default"])
                    .map(|default| serde_json::to_value(default).expect("YAML converts to JSON"))
                    .map(|default| {
                        default
                            .as_str()
                            .map_or_else(|| default.to_string(), str::to_owned)
                    })
                    .or_else(|| Some(format!("<{target}>"))),
                None => value.as_str().map(str::to_owned),
            }
        };
        if let Err(err) = Config::from_lookup(value_of, any_secrets()) {
            problems.push(format!(
                "{id}: with the parameters' defaults the configuration is invalid: {err}"
            ));
        }
    }
    assert_none("functions' configuration in template.yaml", &problems);
}

/// The keys every function loads at cold start.
const REQUIRED_SECRETS: [SecretSource; 3] = [TOKEN_SECRET, APP_SECRETS_KEY, SIGNING_KEYS];

/// The keys that seal what the table keeps: losing one locks out every user
/// who enrolled an authenticator, or every app's backend and WeChat calls.
const SEALING_KEYS: [SecretSource; 2] = [TWO_FACTOR_KEY, APP_SECRETS_KEY];

/// The secret is generated by Secrets Manager and long enough; a sealing
/// key outlives the stack.
fn secret_problems(template: &Yaml, id: &str, source: SecretSource) -> Vec<String> {
    let mut problems = Vec::new();
    if SEALING_KEYS.iter().any(|sealing| sealing.arn == source.arn) {
        for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
            if at(template, &["Resources", id, policy]).and_then(Yaml::as_str) != Some("Retain") {
                problems.push(format!(
                    "{id}: {policy} must be Retain ({} seals what the table keeps)",
                    source.arn
                ));
            }
        }
    }
    let properties = at(template, &["Resources", id, "Properties"]);
    if properties
        .and_then(|properties| at(properties, &["SecretString"]))
        .is_some()
    {
        problems.push(format!(
            "{id}: SecretString puts the key in the template; use GenerateSecretString"
        ));
    }
    let length = properties
        .and_then(|properties| at(properties, &["GenerateSecretString", "PasswordLength"]))
        .and_then(Yaml::as_u64)
        .unwrap_or(0);
    if length < MIN_SECRET_BYTES as u64 {
        problems.push(format!(
            "{id}: GenerateSecretString.PasswordLength must be at least {MIN_SECRET_BYTES} (config::MIN_SECRET_BYTES)"
        ));
    }
    problems
}

/// The function may read those secrets and use that table, and nothing wider.
fn policy_problems(id: &str, function: &Yaml, secrets: &[&str], table: &str) -> Vec<String> {
    let statements = support::statements(function);
    let actions = |statement: &Yaml| -> Vec<String> {
        match at(statement, &["Action"]) {
            Some(Yaml::String(action)) => vec![action.clone()],
            Some(Yaml::Sequence(actions)) => actions
                .iter()
                .filter_map(Yaml::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let resources = |statement: &Yaml| -> Vec<Json> {
        match at(statement, &["Resource"]) {
            Some(Yaml::Sequence(resources)) => resources
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .collect(),
            Some(resource) => vec![serde_json::to_value(resource).unwrap_or_default()],
            None => Vec::new(),
        }
    };
    let table_resources = [
        json!({"Fn::GetAtt": [table, "Arn"]}),
        json!({"Fn::Sub": format!("${{{table}.Arn}}/index/lsi1")}),
    ];
    let secret_resources: Vec<Json> = secrets.iter().map(|secret| json!({"Ref": secret})).collect();
    let mut problems = Vec::new();
    let mut readable = BTreeSet::new();
    for statement in statements {
        for action in actions(statement) {
            let allowed = if action.contains('*') {
                false
            } else if action == "secretsmanager:GetSecretValue" {
                let granted = resources(statement);
                readable.extend(granted.iter().map(|resource| resource.to_string()));
                granted.iter().all(|resource| secret_resources.contains(resource))
            } else if action.starts_with("dynamodb:") {
                resources(statement)
                    .iter()
                    .all(|resource| table_resources.contains(resource))
            } else {
                true
            };
            if !allowed {
                problems.push(format!(
                    "{id}: {action} is granted wider than the secrets {secrets:?} / table {table}"
                ));
            }
        }
    }
    for (secret, resource) in secrets.iter().zip(&secret_resources) {
        if !readable.contains(&resource.to_string()) {
            problems.push(format!("{id}: needs secretsmanager:GetSecretValue on {secret}"));
        }
    }
    problems
}

/// The rotation function may read and rewrite the signing key set and
/// touch nothing else; Secrets Manager alone invokes it, on a schedule.
#[test]
fn the_key_rotation_function_may_change_the_signing_keys_only() {
    let template = support::template();
    let mut problems = Vec::new();
    let rotation: Vec<_> = resources_of_type(&template, "AWS::Serverless::Function")
        .into_iter()
        .filter(|(_, function)| support::is_key_rotation(function))
        .collect();
    let [(id, function)] = rotation.as_slice() else {
        panic!(
            "template.yaml needs exactly one function building {}",
            support::KEY_ROTATION
        );
    };
    let secret = at(
        &template,
        &[
            "Globals",
            "Function",
            "Environment",
            "Variables",
            SIGNING_KEYS.arn,
        ],
    )
    .and_then(ref_target)
    .expect("Globals give every function SIGNING_KEYS_ARN as {Ref: <the secret>}");
    let allowed = [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
    ];
    for statement in support::statements(function) {
        let actions = at(statement, &["Action"])
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten();
        for action in actions.filter_map(Yaml::as_str) {
            if !allowed.contains(&action) {
                problems.push(format!("{id}: {action} is more than rotating needs"));
            }
        }
        let resources: Vec<Json> = at(statement, &["Resource"])
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
            .map(|resource| serde_json::to_value(resource).unwrap_or_default())
            .collect();
        if resources != [json!({"Ref": secret})] {
            problems.push(format!(
                "{id}: its statements must name {secret} alone, not {resources:?}"
            ));
        }
    }
    let schedules = resources_of_type(&template, "AWS::SecretsManager::RotationSchedule");
    let scheduled = schedules.iter().any(|(_, schedule)| {
        at(schedule, &["Properties", "SecretId"]).and_then(ref_target) == Some(secret)
            && serde_json::to_value(at(schedule, &["Properties", "RotationLambdaARN"])).ok()
                == Some(json!({"Fn::GetAtt": [id, "Arn"]}))
    });
    if !scheduled {
        problems.push(format!(
            "{secret} needs an AWS::SecretsManager::RotationSchedule by {id}"
        ));
    }
    assert_none("the key rotation function", &problems);
}

/// Short-form tags (`!Ref`) are not plain YAML; the contract tests (and any
/// YAML tool) would read them as opaque tagged values.
#[test]
fn template_uses_long_form_intrinsics() {
    fn walk(value: &Yaml, path: &str, problems: &mut Vec<String>) {
        match value {
            Yaml::Tagged(tagged) => problems.push(format!(
                "{path}: short-form {}; write the long form (e.g. Ref:, Fn::Sub:)",
                tagged.tag
            )),
            Yaml::Mapping(mapping) => {
                for (key, value) in mapping {
                    walk(
                        value,
                        &format!("{path}.{}", key.as_str().unwrap_or("?")),
                        problems,
                    );
                }
            }
            Yaml::Sequence(items) => {
                for (index, value) in items.iter().enumerate() {
                    walk(value, &format!("{path}[{index}]"), problems);
                }
            }
            _ => {}
        }
    }
    let mut problems = Vec::new();
    walk(&support::template(), "template.yaml", &mut problems);
    assert_none("template.yaml uses short-form intrinsics", &problems);
}

/// Only the verification function may send email or SMS, and only so: SES
/// from the account's identities, SNS to phone numbers (Publish on "*" with
/// every topic denied).
#[test]
fn only_the_verification_function_may_send_messages() {
    let template = support::template();
    let mut problems = Vec::new();
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        let binary = text(function, &["Metadata", "BuildProperties", "Binary"]).unwrap_or_default();
        let mut granted: Vec<(String, String, Json)> = Vec::new();
        for statement in support::statements(function) {
            let effect = text(statement, &["Effect"]).unwrap_or_default().to_owned();
            let resource = serde_json::to_value(at(statement, &["Resource"])).unwrap_or_default();
            for action in at(statement, &["Action"])
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
            {
                let action = action.as_str().unwrap_or_default();
                if action.starts_with("ses:") || action.starts_with("sns:") {
                    granted.push((effect.clone(), action.to_owned(), resource.clone()));
                }
            }
        }
        if binary != "verification" {
            if !granted.is_empty() {
                problems.push(format!(
                    "{id}: only the verification function may send messages: {granted:?}"
                ));
            }
            continue;
        }
        let expected = vec![
            (
                "Allow".to_owned(),
                "ses:SendEmail".to_owned(),
                json!([{"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}]),
            ),
            ("Allow".to_owned(), "sns:Publish".to_owned(), json!("*")),
            (
                "Deny".to_owned(),
                "sns:Publish".to_owned(),
                json!([{"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}]),
            ),
        ];
        if granted != expected {
            problems.push(format!(
                "{id}: sends with {granted:?}, expected exactly {expected:?}"
            ));
        }
    }
    assert_none("who may send email and SMS", &problems);
}
