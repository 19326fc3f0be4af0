//! Test harness: the account handler against DynamoDB Local, fed real API
//! Gateway HTTP API (v2) events, as Lambda would deliver them. Each harness
//! provisions its own app, so tests run in parallel without interfering.

#![allow(dead_code)] // Each test binary uses part of the harness.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use account::{AppState, handle};
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use lambda_http::Body;
use oauthapp_shared::store::{App, AppCard, AppChanges, NewApp, Store, UnionIdProof, schema};
use oauthapp_shared::{Config, Services, clock, signature};
use serde_json::{Value, json};

pub const TEST_SECRET: &[u8] = b"test-secret-of-at-least-thirty-two-bytes!";
pub const ISSUER: &str = "https://auth.test/";

/// A response: HTTP status and the parsed envelope.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn error(&self) -> &str {
        self.body["err"].as_str().expect("legacy envelope has err")
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

pub struct Harness {
    pub state: AppState,
    pub app: App,
    pub requests: RequestCounter,
}

pub fn table_name() -> String {
    std::env::var("TABLE_NAME").unwrap_or_else(|_| "oauthapp-test".to_owned())
}

async fn dynamodb(counter: &RequestCounter) -> aws_sdk_dynamodb::Client {
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
        "set AWS_ENDPOINT_URL_DYNAMODB to a DynamoDB Local (make test starts one)"
    );
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(counter.clone())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

impl Harness {
    /// A fresh app whose union ids are proven as `proof` says.
    pub async fn new(proof: UnionIdProof) -> Self {
        Self::with_env(proof, &[]).await
    }

    /// As `new`, with configuration variables set (e.g. the lockout window).
    pub async fn with_env(proof: UnionIdProof, vars: &[(&str, &str)]) -> Self {
        let requests = RequestCounter::default();
        let client = dynamodb(&requests).await;
        let table = table_name();
        schema::ensure_table(&client, &table).await.expect("test table");
        let mut vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        vars.push(("TABLE_NAME".into(), table.clone()));
        vars.push(("JWT_ISSUER".into(), ISSUER.into()));
        let config = Config::from_lookup(
            |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            TEST_SECRET.to_vec(),
        )
        .expect("test configuration");
        let store = Store::new(client.clone(), table);
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
        Self {
            state: AppState::new(Services::new(config, client)),
            app,
            requests,
        }
    }

    pub fn store(&self) -> &Store {
        &self.state.services.store
    }

    pub fn path(&self, endpoint: &str) -> String {
        format!("/api/AppUsers/{}/{endpoint}", self.app.id)
    }

    /// Sends a request as an HTTP API v2 event. `target` is the path with
    /// any query string; `body` is sent verbatim.
    pub async fn send(
        &self,
        method: &str,
        target: &str,
        body: Option<&str>,
        headers: &[(&str, String)],
    ) -> Reply {
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
                "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test" },
                "requestId": "test",
                "routeKey": "$default",
                "stage": "$default",
                "time": "21/Nov/2026:00:00:00 +0000",
                "timeEpoch": 0
            },
            "body": body,
            "isBase64Encoded": false
        });
        let request = lambda_http::request::from_str(&event.to_string()).expect("a valid v2 event");
        let response = handle(&self.state, request).await;
        let text = match response.body() {
            Body::Text(text) => text.clone(),
            other => panic!("expected a text body, got {other:?}"),
        };
        Reply {
            status: response.status().as_u16(),
            body: serde_json::from_str(&text).expect("a JSON envelope"),
        }
    }

    pub async fn post(&self, endpoint: &str, body: &Value) -> Reply {
        self.send("POST", &self.path(endpoint), Some(&body.to_string()), &[])
            .await
    }

    /// POSTs `body` signed with the app secret, as the app's backend would.
    pub async fn post_signed(&self, endpoint: &str, body: &Value) -> Reply {
        let body = body.to_string();
        let headers = self.signature_headers("POST", &self.path(endpoint), &body, clock::now());
        self.send("POST", &self.path(endpoint), Some(&body), &headers)
            .await
    }

    pub fn signature_headers(
        &self,
        method: &str,
        path: &str,
        body: &str,
        timestamp: i64,
    ) -> Vec<(&'static str, String)> {
        let timestamp = timestamp.to_string();
        let signature = signature::sign(&self.app.secret, &timestamp, method, path, body.as_bytes());
        vec![
            ("X-OAuthApp-Timestamp", timestamp),
            ("X-OAuthApp-Signature", signature),
        ]
    }

    pub async fn get_with_token(&self, target: &str, token: &str) -> Reply {
        self.send(
            "GET",
            target,
            None,
            &[("authorization", format!("Bearer {token}"))],
        )
        .await
    }

    pub async fn put_with_token(&self, endpoint: &str, body: &Value, token: &str) -> Reply {
        self.send(
            "PUT",
            &self.path(endpoint),
            Some(&body.to_string()),
            &[("authorization", format!("Bearer {token}"))],
        )
        .await
    }

    /// Signs up `user_name` with `pwd` and returns the token.
    pub async fn sign_up(&self, user_name: &str, pwd: &str) -> String {
        self.post(
            "SignUp",
            &json!({"userName": user_name, "pwd": pwd, "platform": "web"}),
        )
        .await
        .token()
    }

    pub async fn sign_in(&self, user_name: &str, pwd: &str) -> Reply {
        self.post("SignIn", &json!({"userName": user_name, "pwd": pwd}))
            .await
    }

    /// The user id a token speaks for.
    pub fn user_id(&self, token: &str) -> u64 {
        decode_claims(token)["nameid"].as_str().unwrap().parse().unwrap()
    }

    /// How many users the app has, read back from the store.
    pub async fn user_count(&self) -> usize {
        self.store()
            .list_users(self.app.id, None, 1000)
            .await
            .unwrap()
            .users
            .len()
    }
}

/// Verifies a token with the test secret and returns its claims.
pub fn decode_claims(token: &str) -> Value {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[ISSUER]);
    jsonwebtoken::decode::<Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(TEST_SECRET),
        &validation,
    )
    .expect("a valid token")
    .claims
}
