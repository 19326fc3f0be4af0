//! Test support shared by the functions' integration tests: a DynamoDB
//! Local client with a request counter, a fresh app per test, requests built
//! from real API Gateway HTTP API (v2) events, and envelope replies.

pub mod dynamodb_faults;
pub mod dynamodb_usage;
pub mod emulators;
pub mod fake_tencent_sms;
pub mod fake_wechat;
pub mod harness;
pub mod logs;

pub use harness::{Harness, code_at, wrong_code};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use dynamodb_faults::DynamoFaults;
use dynamodb_usage::UsageRecorder;
use lambda_http::{Body, Request, Response};
use oauthapp_shared::Config;
use oauthapp_shared::Services;
use oauthapp_shared::auth::signature;
use oauthapp_shared::auth::signing_keys::{KeySet, Keys, Rotation};
use oauthapp_shared::config::{KeySource, Secrets, SigningKeys};
use oauthapp_shared::domain::clock;
use oauthapp_shared::domain::{App, AppCard, Secret, UnionIdProof};
use oauthapp_shared::store::{AppChanges, NewApp, Store, schema};
use rand::RngExt;
use serde_json::{Value, json};

pub const TEST_SECRET: &[u8] = b"test-secret-of-at-least-thirty-two-bytes!";
pub const TEST_TWO_FACTOR_KEY: &[u8] = b"test-two-factor-key-of-thirty-two-bytes!";
pub const TEST_APP_SECRETS_KEY: &str = "test-app-secrets-key-of-thirty-two-bytes";
pub const ISSUER: &str = "https://auth.test/";

/// The ES256 key set of every test of the process, unless a test gives
/// its own (`SIGNING_KEYS_FILE`).
pub static TEST_SIGNING_KEYS: std::sync::LazyLock<KeySet> = std::sync::LazyLock::new(|| {
    KeySet::default()
        .rotated(clock::now(), Rotation::new(3_600))
        .expect("a test key set")
});

/// A response: HTTP status and the parsed envelope.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn from_response(response: Response<Body>) -> Self {
        let text = match response.body() {
            Body::Text(text) => text.clone(),
            other => panic!("expected a text body, got {other:?}"),
        };
        Reply {
            status: response.status().as_u16(),
            body: serde_json::from_str(&text).expect("a JSON envelope"),
        }
    }

    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The error text, under `err` (legacy) or `error` (v1).
    pub fn error(&self) -> &str {
        self.body
            .get("err")
            .or_else(|| self.body.get("error"))
            .and_then(Value::as_str)
            .expect("an envelope has an error field")
    }

    /// Asserts success and returns the access token of a TokenModel.
    pub fn token(&self) -> String {
        assert_eq!(self.status, 200, "expected success, got {self:?}");
        self.data()["access_token"]
            .as_str()
            .expect("a TokenModel")
            .to_owned()
    }

    /// Asserts a failure with `status` whose message contains `text`.
    pub fn assert_error(&self, status: u16, text: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.body["code"], status, "{self:?}");
        assert!(self.body["data"].is_null(), "{self:?}");
        assert!(self.error().contains(text), "expected {text:?} in {self:?}");
    }
}

/// Counts requests sent to DynamoDB.
#[derive(Debug, Default, Clone)]
pub struct RequestCounter(Arc<AtomicUsize>);

impl RequestCounter {
    pub fn take(&self) -> usize {
        self.0.swap(0, Ordering::SeqCst)
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// DynamoDB requests per endpoint, each against its budget: `finish`
/// prints the table docs/measurements.md shows and fails on any request over budget.
pub struct RequestBudget {
    counter: RequestCounter,
    heading: &'static str,
    rows: Vec<(String, usize, usize)>,
}

impl RequestBudget {
    /// Counts from now on; `heading` names the first column.
    pub fn new(counter: &RequestCounter, heading: &'static str) -> Self {
        counter.take();
        Self {
            counter: counter.clone(),
            heading,
            rows: Vec::new(),
        }
    }

    /// Records the requests since the last record as `endpoint`'s, whose
    /// answer must have had `expected_status`: a failure is not a cost.
    pub fn record(&mut self, endpoint: &str, budget: usize, status: u16, expected_status: u16) {
        let used = self.counter.take();
        assert_eq!(status, expected_status, "{endpoint}");
        self.rows.push((endpoint.to_owned(), used, budget));
    }

    pub fn finish(self) {
        println!(
            "| {} | DynamoDB requests | budget |\n| --- | --- | --- |",
            self.heading
        );
        for (endpoint, used, budget) in &self.rows {
            println!("| {endpoint} | {used} | {budget} |");
        }
        for (endpoint, used, budget) in self.rows {
            assert!(used <= budget, "{endpoint} made {used} requests, budget {budget}");
        }
    }
}

pub fn table_name() -> String {
    std::env::var("TABLE_NAME").unwrap_or_else(|_| "oauthapp-test".to_owned())
}

/// A DynamoDB Local client whose requests `counter` counts and `faults`
/// may fail; with `usage`, the function's own, whose requests it records.
async fn dynamodb(
    counter: &RequestCounter,
    faults: &DynamoFaults,
    usage: Option<UsageRecorder>,
) -> aws_sdk_dynamodb::Client {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
        "set AWS_ENDPOINT_URL_DYNAMODB to a DynamoDB Local (make test starts one)"
    );
    let sdk = oauthapp_shared::aws_sdk::config().await;
    // The SDK's standard retries, with a short first backoff so that tests
    // of injected failures do not sleep for seconds.
    let retries = RetryConfig::standard().with_initial_backoff(Duration::from_millis(10));
    let mut config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .retry_config(retries)
        .interceptor(faults.clone())
        .interceptor(counter.clone());
    if let Some(usage) = usage {
        config = config.interceptor(usage);
    }
    aws_sdk_dynamodb::Client::from_conf(config.build())
}

/// What a test needs besides the function under test: its app, the store,
/// the count of DynamoDB requests since the last `take`, and failures to
/// inject into the DynamoDB requests of the functions and the store.
pub struct Fixture {
    pub app: App,
    pub store: Store,
    pub requests: RequestCounter,
    pub faults: DynamoFaults,
}

/// A fresh app whose union ids are proven as `proof` says, and the services
/// to build a function's state from, configured by `vars` on top of the
/// test defaults.
pub async fn fixture(proof: UnionIdProof, vars: &[(&str, &str)]) -> (Fixture, Services) {
    let requests = RequestCounter::default();
    let faults = DynamoFaults::default();
    let client = dynamodb(&requests, &faults, None).await;
    let function_client = dynamodb(&requests, &faults, Some(UsageRecorder::of_package_under_test())).await;
    let table = table_name();
    schema::ensure_table(&client, &table).await.expect("test table");
    let mut vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    vars.push(("TABLE_NAME".into(), table.clone()));
    vars.push(("JWT_ISSUER".into(), ISSUER.into()));
    // The fake WeChat is plain http on 127.0.0.1.
    vars.push(("WECHAT_HTTP_LOOPBACK".into(), "true".into()));
    let config = Config::from_lookup(
        |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
        Secrets {
            token: Some(Secret::new(String::from_utf8_lossy(TEST_SECRET))),
            app_secrets: Secret::new(TEST_APP_SECRETS_KEY),
            two_factor: Some(Secret::new(String::from_utf8_lossy(TEST_TWO_FACTOR_KEY))),
            signing_keys: Some(signing_keys(&vars).await),
        },
    )
    .expect("test configuration");
    let store = Store::new(client.clone(), table).with_sealing(&config.app_secrets_key);
    let services = Services::new(config, function_client);
    // What init does before the first request (`http::function::run`),
    // before the test's app exists: the app is then new to the function,
    // as every app created after an instance started is, and its first v1
    // request reads the key's guard.
    services.store.warm_up().await.expect("warming up");
    let card = AppCard {
        name: "开发文档".into(),
        logo: "https://blob.example/API.png".into(),
        website: "https://web.example/docs".into(),
        scopes: "openid profile".into(),
        ..AppCard::default()
    };
    let new_app = NewApp {
        key: None,
        tenant_id: "4".into(),
        tenant_name: "www.oauthapp.com".into(),
        card,
    };
    let app = store.create_app(new_app, clock::now()).await.expect("app");
    let changes = AppChanges {
        union_id_proof: Some(proof),
        ..AppChanges::default()
    };
    let app = store
        .update_app(app.id, changes)
        .await
        .expect("proof")
        .expect("app exists");
    requests.take();
    let fixture = Fixture {
        app,
        store,
        requests,
        faults,
    };
    (fixture, services)
}

/// The services of another instance (a cold start): the same configuration
/// and table, none of `services`' memory.
pub fn another_instance(services: &Services) -> Services {
    Services::new(services.config.clone(), services.store.client().clone())
}

/// A request as Lambda delivers it from an HTTP API (v2) event. `target` is
/// the path with any query string; `body` is sent verbatim.
pub fn request(method: &str, target: &str, body: Option<&str>, headers: &[(&str, String)]) -> Request {
    request_from(LOCAL_SOURCE_IP, method, target, body, headers)
}

/// The `sourceIp` of `request`'s events.
pub const LOCAL_SOURCE_IP: &str = "127.0.0.1";

/// As `request`, from a client at `source_ip` as API Gateway saw it.
pub fn request_from(
    source_ip: &str,
    method: &str,
    target: &str,
    body: Option<&str>,
    headers: &[(&str, String)],
) -> Request {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut header_map = serde_json::Map::new();
    header_map.insert("content-type".into(), json!("application/json"));
    for (name, value) in headers {
        header_map.insert(name.to_lowercase(), json!(value));
    }
    let event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": header_map,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": source_ip, "userAgent": "test" },
            "requestId": "test",
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:00:00:00 +0000",
            "timeEpoch": 0
        },
        "body": body,
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).expect("a valid v2 event")
}

/// Waits, when the current minute is about to end, for the next one: a
/// test counting against a per-minute limit then has its requests in one
/// window.
pub async fn wait_for_a_fresh_minute() {
    let left = 60 - clock::now().rem_euclid(60);
    if left < 15 {
        tokio::time::sleep(Duration::from_secs(left as u64)).await;
    }
}

/// As `request`, with a body of raw bytes (API Gateway's base64 bodies).
pub fn binary_request(method: &str, target: &str, body: &[u8]) -> Request {
    let mut request = request(method, target, None, &[]);
    *request.body_mut() = Body::Binary(body.to_vec());
    request
}

/// Signature headers for a request from the app's backend, sent with
/// `authorization` as its `Authorization` header's value (`None`: without
/// one), at `timestamp`, with a new nonce: timestamp, nonce, signature.
pub fn signature_headers(
    secret: &Secret,
    method: &str,
    path: &str,
    body: &str,
    authorization: Option<&str>,
    timestamp: i64,
) -> Vec<(&'static str, String)> {
    let timestamp = timestamp.to_string();
    let nonce = format!("{:032x}", rand::rng().random::<u128>());
    let covered = signature::Covered {
        method,
        target: path,
        authorization: authorization.unwrap_or_default().as_bytes(),
        body: body.as_bytes(),
    };
    let signature = signature::sign(secret, &timestamp, &nonce, &covered);
    vec![
        ("X-OAuthApp-Timestamp", timestamp),
        ("X-OAuthApp-Nonce", nonce),
        ("X-OAuthApp-Signature", signature),
    ]
}

/// A bearer header.
pub fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

/// The test key set, or the one in the file `SIGNING_KEYS_FILE` of `vars`
/// names, read again as the functions do.
async fn signing_keys(vars: &[(String, String)]) -> SigningKeys {
    match vars.iter().find(|(name, _)| name == "SIGNING_KEYS_FILE") {
        Some((_, path)) => {
            let source = KeySource::File(path.into());
            SigningKeys {
                set: source.load().await.expect("the test's key set"),
                source: Some(source),
            }
        }
        None => SigningKeys {
            set: TEST_SIGNING_KEYS.clone(),
            source: None,
        },
    }
}

/// The test key set, loaded once for every token `decode_claims` checks.
static TEST_KEYS: std::sync::LazyLock<Keys> =
    std::sync::LazyLock::new(|| Keys::new(&TEST_SIGNING_KEYS).expect("the test key set"));

/// Verifies a token (ES256 by the test key set, or HS256 by the test
/// secret) and returns its claims.
pub fn decode_claims(token: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).expect("a JWT");
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[ISSUER]);
    let key = match header.alg {
        jsonwebtoken::Algorithm::HS256 => jsonwebtoken::DecodingKey::from_secret(TEST_SECRET),
        _ => TEST_KEYS
            .by_kid(header.kid.as_deref().expect("a kid"))
            .expect("a test key")
            .decoding
            .clone(),
    };
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .expect("a valid token")
        .claims
}
