//! Injected DynamoDB failures: an SDK interceptor that sends chosen requests
//! to a stand-in answering `ThrottlingException`, as DynamoDB does when a
//! table or partition is over its capacity. The request never reaches
//! DynamoDB Local, so a test sees exactly what a throttled request leaves
//! behind: nothing.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use oauthapp_shared::store::keys;
use tokio::sync::OnceCell;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{Fixture, Reply};

/// What to fail, counted from when it was armed.
#[derive(Debug, Default)]
struct Plan {
    /// Operations started since arming.
    operations: usize,
    /// Fail every attempt of this operation (1-based); the SDK gives up.
    throttled_operation: Option<usize>,
    /// Fail this many attempts, whichever operations they belong to.
    throttled_attempts: usize,
}

/// Marks, in an operation's own config bag, that all its attempts fail.
#[derive(Debug, Clone)]
struct Doomed;

impl Storable for Doomed {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug, Clone, Default)]
pub struct DynamoFaults {
    plan: Arc<Mutex<Plan>>,
    throttler: Arc<OnceCell<MockServer>>,
    /// Attempts sent to the throttler so far.
    throttled: Arc<AtomicUsize>,
}

impl DynamoFaults {
    /// The `nth` DynamoDB operation from now (1-based) is throttled on every
    /// attempt, so it fails after the SDK's retries.
    pub async fn throttle_operation(&self, nth: usize) {
        self.throttler().await;
        *self.lock() = Plan {
            throttled_operation: Some(nth),
            ..Plan::default()
        };
    }

    /// The next `attempts` requests are throttled once each; the SDK's
    /// retries then go through.
    pub async fn throttle_attempts(&self, attempts: usize) {
        self.throttler().await;
        *self.lock() = Plan {
            throttled_attempts: attempts,
            ..Plan::default()
        };
    }

    /// No more failures.
    pub fn clear(&self) {
        *self.lock() = Plan::default();
    }

    /// DynamoDB operations started since the last arming.
    pub fn operations(&self) -> usize {
        self.lock().operations
    }

    /// Attempts answered with `ThrottlingException` so far.
    pub fn throttled(&self) -> usize {
        self.throttled.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn throttler(&self) -> &MockServer {
        self.throttler
            .get_or_init(|| async {
                let server = MockServer::start().await;
                // DynamoDB's JSON protocol: the error type in `__type`, status 400.
                Mock::given(any())
                    .respond_with(
                        ResponseTemplate::new(400)
                            .insert_header("content-type", "application/x-amz-json-1.0")
                            .set_body_string(
                                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#,
                            ),
                    )
                    .mount(&server)
                    .await;
                server
            })
            .await
    }
}

impl Intercept for DynamoFaults {
    fn name(&self) -> &'static str {
        "DynamoFaults"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let mut plan = self.lock();
        plan.operations += 1;
        if plan.throttled_operation == Some(plan.operations) {
            cfg.interceptor_state().store_put(Doomed);
        }
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        let throttle = {
            let mut plan = self.lock();
            let once = plan.throttled_attempts > 0;
            if once {
                plan.throttled_attempts -= 1;
            }
            once || cfg.load::<Doomed>().is_some()
        };
        if throttle {
            let throttler = self
                .throttler
                .get()
                .expect("the throttler starts when a failure is armed");
            context.request_mut().set_uri(throttler.uri())?;
            self.throttled.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// An item's attributes, printable and comparable.
pub type Snapshot = BTreeMap<(String, String), BTreeMap<String, String>>;

/// An attribute as text that is the same for the same value: a map's keys
/// in order (a map attribute comes back in any order).
fn canonical(value: &AttributeValue) -> String {
    match value {
        AttributeValue::M(map) => {
            let sorted: BTreeMap<&String, String> = map.iter().map(|(k, v)| (k, canonical(v))).collect();
            format!("M({sorted:?})")
        }
        AttributeValue::L(list) => format!("L({:?})", list.iter().map(canonical).collect::<Vec<_>>()),
        other => format!("{other:?}"),
    }
}

impl Fixture {
    /// Every item of the fixture's app (its own item, users with their point
    /// entries and bindings, name, union-id and address guards, verification
    /// codes, QR keys) but the counter
    /// numbering its users: a failed sign-up may spend a number, which leaves a
    /// gap, not a half-written record; nor the sign-in attempts reserved on
    /// them: a request that fails after reserving one keeps it, as a failed
    /// attempt (see `domain::lockout`). Read by a scan, which only tests may afford.
    pub async fn app_items(&self) -> Snapshot {
        let (store, app_id) = (&self.store, self.app.id);
        let counter = keys::user_sequence(app_id);
        let mut items = Snapshot::new();
        let mut start = None;
        loop {
            let page = store
                .client()
                .scan()
                .table_name(store.table())
                .consistent_read(true)
                .filter_expression(
                    "pk = :app OR begins_with(pk, :user) OR begins_with(pk, :login) \
                     OR begins_with(pk, :union) OR begins_with(pk, :address) OR begins_with(pk, :code) \
                     OR appId = :id",
                )
                .expression_attribute_values(":app", AttributeValue::S(keys::app(app_id).pk))
                .expression_attribute_values(":user", AttributeValue::S(format!("USER#{app_id}#")))
                .expression_attribute_values(":login", AttributeValue::S(format!("LOGIN#{app_id}#")))
                .expression_attribute_values(":union", AttributeValue::S(format!("UNIONID#{app_id}#")))
                .expression_attribute_values(":address", AttributeValue::S(format!("ADDRESS#{app_id}#")))
                .expression_attribute_values(":code", AttributeValue::S(format!("CODE#{app_id}#")))
                .expression_attribute_values(":id", AttributeValue::N(app_id.to_string()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan of the test table");
            for item in page.items() {
                let text = |name: &str| {
                    item.get(name)
                        .and_then(|v| v.as_s().ok())
                        .cloned()
                        .unwrap_or_default()
                };
                let attributes = item
                    .iter()
                    .filter(|(name, _)| !matches!(name.as_str(), "attempts" | "attemptsSince"))
                    .map(|(k, v)| (k.clone(), canonical(v)))
                    .collect();
                let key = (text("pk"), text("sk"));
                if key != (counter.pk.clone(), counter.sk.clone()) {
                    items.insert(key, attributes);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// Sends the request `send` makes again and again, throttling its first,
    /// second, … DynamoDB operation until it gets through: each failure must be
    /// a 503 envelope that changed none of the app's items. Returns the reply
    /// that got through and how many operations it took.
    pub async fn fail_each_operation<F, Fut>(&self, send: F) -> (Reply, usize)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Reply>,
    {
        let faults = &self.faults;
        let mut step = 0;
        loop {
            step += 1;
            let before = self.app_items().await;
            faults.throttle_operation(step).await;
            let reply = send().await;
            let operations = faults.operations();
            faults.clear();
            if operations < step {
                return (reply, operations);
            }
            reply.assert_error(503, "busy");
            assert_eq!(
                before,
                self.app_items().await,
                "failing operation {step} left a change behind"
            );
        }
    }
}
