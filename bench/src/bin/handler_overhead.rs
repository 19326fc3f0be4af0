//! What a warm handler costs besides DynamoDB: each function's state built
//! as its `main` builds it, but on a DynamoDB client whose interceptor clocks
//! the SDK's operations, and its `handle` called in-process. Endpoints that
//! hash passwords are left out: argon2 is measured on its own. Run through
//! `scripts/measure.sh overhead`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use bench::event::Event;
use bench::fixture::Fixture;
use bench::stats::{Samples, us};
use bench::{Failure, check_answer, local_stack};
use lambda_http::Body;
use oauthapp_shared::Services;
use oauthapp_shared::http::function::Function;
use oauthapp_shared::store::keys;

/// Timed calls per endpoint, after `WARM_UP` untimed ones.
const CALLS: usize = 2000;
const WARM_UP: usize = 100;

/// Wall time during which at least one DynamoDB operation was in flight,
/// from the SDK's first interceptor hook to its last: serialising, signing,
/// the exchange with DynamoDB, retries and deserialising. Overlapping
/// operations (`try_join!`) count once. What the SDK does before the first
/// hook (building the operation, applying the client's configuration) falls
/// outside; `sdk_outside_clock` measures it.
#[derive(Debug, Clone, Default)]
struct DynamoDbClock(Arc<Mutex<Clocked>>);

#[derive(Debug, Default)]
struct Clocked {
    in_flight: usize,
    since: Option<Instant>,
    time: Duration,
    operations: usize,
}

impl DynamoDbClock {
    /// The time and operations clocked since the last `take`.
    fn take(&self) -> (Duration, usize) {
        let mut clocked = self.0.lock().expect("the clock is never poisoned");
        let taken = (clocked.time, clocked.operations);
        (clocked.time, clocked.operations) = (Duration::ZERO, 0);
        taken
    }
}

impl Intercept for DynamoDbClock {
    fn name(&self) -> &'static str {
        "DynamoDbClock"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut clocked = self.0.lock().expect("the clock is never poisoned");
        if clocked.in_flight == 0 {
            clocked.since = Some(Instant::now());
        }
        clocked.in_flight += 1;
        clocked.operations += 1;
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut clocked = self.0.lock().expect("the clock is never poisoned");
        clocked.in_flight -= 1;
        if clocked.in_flight == 0 {
            let since = clocked.since.take().expect("an operation started");
            clocked.time += since.elapsed();
        }
        Ok(())
    }
}

/// The figures of one endpoint.
struct Measured {
    outside_dynamodb: Samples,
    whole: Samples,
    operations: usize,
}

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("handler-overhead: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Failure> {
    let (sdk, config) = local_stack().await?;
    let clock = DynamoDbClock::default();
    let dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(clock.clone())
        .build();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(dynamodb);
    let services = || Services::new(config.clone(), dynamodb.clone());
    let fixture = Fixture::provision(&services()).await?;
    let account = Function::new(services(), account::routes());
    let external_account = Function::new(services(), external_account::routes());
    let qr_auth = Function::new(services(), qr_auth::routes());
    let wechat = Function::new(services(), wechat::routes());
    let endpoints = [
        (&account, fixture.profile(), 200),
        (&account, fixture.point_log(), 200),
        (&external_account, fixture.external_accounts(), 200),
        (&qr_auth, fixture.qr_scan(), 200),
        (&qr_auth, fixture.qr_poll(), 409),
        (&wechat, fixture.decrypt(), 200),
    ];
    // Measured first, since each endpoint's row subtracts it.
    let sdk = sdk_outside_clock(&dynamodb, &config.table_name, &clock).await?;
    let setup = sdk.median();
    println!("{CALLS} calls per endpoint after {WARM_UP} untimed ones\n");
    println!(
        "A bare GetItem, timed the same way, spends p50 {:.0} µs (p99 {:.0} µs) in the SDK outside \
         the clock; the handler column takes that off once per DynamoDB request.\n",
        us(setup),
        us(sdk.percentile(99)),
    );
    println!(
        "| endpoint | status | DynamoDB requests | outside DynamoDB p50 µs | outside DynamoDB p99 µs | \
         handler p50 µs (≤ 100) | whole call p50 µs |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for (function, event, status) in endpoints {
        let measured = measure(function, &event, status, &clock)
            .await
            .map_err(|err| format!("{}: {err}", event.route()))?;
        let sdk_setup = setup * u32::try_from(measured.operations)?;
        println!(
            "| {} | {status} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            event.route(),
            measured.operations,
            us(measured.outside_dynamodb.median()),
            us(measured.outside_dynamodb.percentile(99)),
            us(measured.outside_dynamodb.median().saturating_sub(sdk_setup)),
            us(measured.whole.median()),
        );
    }
    Ok(())
}

/// The time a bare GetItem spends in the SDK outside the clock: setting up
/// the operation, which every DynamoDB request of an endpoint adds to its
/// figure although it is the SDK's work, not the handler's.
async fn sdk_outside_clock(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    clock: &DynamoDbClock,
) -> Result<Samples, Failure> {
    let key = keys::app_sequence().item();
    let mut outside = Vec::with_capacity(CALLS);
    clock.take();
    for call in 0..WARM_UP + CALLS {
        let get = dynamodb
            .get_item()
            .table_name(table)
            .set_key(Some(key.clone()))
            .consistent_read(true);
        let started = Instant::now();
        get.send().await?;
        let elapsed = started.elapsed();
        let (in_dynamodb, _) = clock.take();
        if call >= WARM_UP {
            outside.push(elapsed.saturating_sub(in_dynamodb));
        }
    }
    Ok(Samples::new(outside))
}

/// Calls `function` with `event`, which must answer `status` every time.
async fn measure(
    function: &Function,
    event: &Event,
    status: u16,
    clock: &DynamoDbClock,
) -> Result<Measured, Failure> {
    let mut outside_dynamodb = Vec::with_capacity(CALLS);
    let mut whole = Vec::with_capacity(CALLS);
    let mut operations = 0;
    clock.take();
    for call in 0..WARM_UP + CALLS {
        let request = event.to_request();
        let started = Instant::now();
        let response = function.answer(request).await;
        let elapsed = started.elapsed();
        let (in_dynamodb, requests) = clock.take();
        let Body::Text(body) = response.body() else {
            return Err(format!("a body that is not text: {:?}", response.body()).into());
        };
        check_answer(response.status().as_u16(), body, status)?;
        if call >= WARM_UP {
            outside_dynamodb.push(elapsed.saturating_sub(in_dynamodb));
            whole.push(elapsed);
            operations = requests;
        }
    }
    Ok(Measured {
        outside_dynamodb: Samples::new(outside_dynamodb),
        whole: Samples::new(whole),
        operations,
    })
}
