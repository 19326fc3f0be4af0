//! Cold start of each function next to a hello-world floor, against a
//! stand-in of the Lambda Runtime API on 127.0.0.1: init (process spawn to
//! its first `/next`), the part of init spent warming up DynamoDB (which the
//! function logs), the first invocation and warm invocations (event handed
//! out to response posted). The binaries are the release builds (what ships)
//! beside this one; run through `scripts/measure.sh cold-start`.
//!
//! It also times DynamoDB Local answering the first request on a new
//! connection from a bare HTTP client: the least a warm-up can take here.

use std::convert::Infallible;
use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bench::event::Event;
use bench::fixture::Fixture;
use bench::stats::{Samples, ms};
use bench::{Failure, check_answer, local_stack};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, client};
use hyper_util::rt::TokioIo;
use oauthapp_shared::Services;
use oauthapp_shared::http::function::WARMED_UP;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

/// Timed process starts per binary, after one untimed round that warms
/// DynamoDB Local's JIT and the page cache.
const PROCESS_STARTS: usize = 5;
/// New connections to DynamoDB Local timed per round.
const FRESH_CONNECTIONS: usize = 10;
/// Invocations after the first, per process start.
const WARM_INVOCATIONS: usize = 200;
/// Longest wait for the next step before the run counts as broken.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// What Lambda tells a function about its size; the processes here get this
/// machine's CPU whatever it says.
const MEMORY_MB: &str = "512";
/// The deadline each invocation is handed: the shortest function timeout
/// in template.yaml.
const INVOCATION_TIMEOUT: Duration = Duration::from_secs(10);
/// What the functions read from the local stack's environment
/// (`use_local_stack` in scripts/env.sh); nothing else of ours reaches them.
const LOCAL_STACK_VARS: [&str; 11] = [
    "TABLE_NAME",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "JWT_SECRET",
    "APP_SECRETS_KEY",
    "TWO_FACTOR_KEY",
    "SIGNING_KEYS_FILE",
    "JWT_ISSUER",
    "JWT_AUDIENCE",
];
const RUNTIME_API_PREFIX: &str = "/2018-06-01/runtime";
const TRACE_ID: &str = "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0";

/// A binary to start and the event it is sent.
struct Target {
    binary: &'static str,
    event: Event,
    /// Whether it opens a DynamoDB connection during init (every function).
    warms_up: bool,
}

/// One process start.
struct ColdStart {
    init: Duration,
    /// Init's DynamoDB warm-up, as the function logged it; hello has none.
    warm_up: Option<Duration>,
    first: Duration,
    warm: Vec<Duration>,
}

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("cold-start: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Failure> {
    let (sdk, config) = local_stack().await?;
    let fixture = Fixture::provision(&Services::new(config, aws_sdk_dynamodb::Client::new(&sdk))).await?;
    let targets = [
        Target {
            binary: "hello",
            warms_up: false,
            event: fixture.profile(),
        },
        Target {
            binary: "account",
            warms_up: true,
            event: fixture.profile(),
        },
        Target {
            binary: "external-account",
            warms_up: true,
            event: fixture.external_accounts(),
        },
        Target {
            binary: "qr-auth",
            warms_up: true,
            event: fixture.qr_scan(),
        },
        Target {
            binary: "wechat",
            warms_up: true,
            event: fixture.decrypt(),
        },
    ];
    let dir = std::env::current_exe()?
        .parent()
        .ok_or("this binary has no directory")?
        .to_owned();
    for target in &targets {
        if !dir.join(target.binary).is_file() {
            return Err(format!(
                "{} is missing: build the functions and bench's hello with --release first \
                 (scripts/measure.sh cold-start does)",
                dir.join(target.binary).display()
            )
            .into());
        }
    }
    let logs = dir.join("cold-start-logs");
    std::fs::create_dir_all(&logs)?;
    let dynamodb_local = DynamoDbLocal::from_env()?;
    let mut fresh_connections = Vec::new();
    let mut starts: Vec<Vec<ColdStart>> = targets.iter().map(|_| Vec::new()).collect();
    // Round after round rather than binary after binary: background load on
    // a shared machine then falls on all of them alike.
    for round in 0..=PROCESS_STARTS {
        eprintln!("cold-start: round {round} of {PROCESS_STARTS} (round 0 is not timed)");
        for (target, starts) in targets.iter().zip(&mut starts) {
            let log = logs.join(format!("{}.log", target.binary));
            let start = cold_start(&dir.join(target.binary), target, &log)
                .await
                .map_err(|err| format!("{}: {err} (its output: {})", target.binary, log.display()))?;
            if round > 0 {
                starts.push(start);
            }
        }
        for _ in 0..FRESH_CONNECTIONS {
            let round_trip = dynamodb_local.fresh_connection_round_trip().await?;
            if round > 0 {
                fresh_connections.push(round_trip);
            }
        }
    }
    let hello_init = print_table(&targets, starts);
    let floor = Samples::new(fresh_connections);
    println!(
        "\nDynamoDB Local answers the first request on a new connection (a ListTables from a bare \
         HTTP/1 client, {} connections) in p50 {:.2} ms, p10 {:.2} ms: {:.2}× hello's init, where \
         init ≤ 1.5× hello's leaves 0.5× for everything a function adds, its warm-up included.",
        PROCESS_STARTS * FRESH_CONNECTIONS,
        ms(floor.median()),
        ms(floor.percentile(10)),
        floor.median().as_secs_f64() / hello_init.as_secs_f64(),
    );
    Ok(())
}

/// The DynamoDB Local the functions use, for timing it without the SDK.
struct DynamoDbLocal {
    authority: String,
}

impl DynamoDbLocal {
    fn from_env() -> Result<Self, Failure> {
        let endpoint: hyper::Uri = std::env::var("AWS_ENDPOINT_URL_DYNAMODB")?.parse()?;
        let authority = endpoint
            .authority()
            .ok_or("AWS_ENDPOINT_URL_DYNAMODB has no host")?
            .to_string();
        Ok(Self { authority })
    }

    /// Connect, send a ListTables (DynamoDB Local checks that a request is
    /// signed, not its signature) and read the answer.
    async fn fresh_connection_round_trip(&self) -> Result<Duration, Failure> {
        let request = Request::post("/")
            .header(HOST, &self.authority)
            .header(CONTENT_TYPE, "application/x-amz-json-1.0")
            .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
            .header(
                AUTHORIZATION,
                "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host, Signature=0",
            )
            .body(Full::new(Bytes::from_static(b"{}")))?;
        let started = Instant::now();
        let stream = TcpStream::connect(&self.authority).await?;
        let (mut sender, connection) = client::conn::http1::handshake(TokioIo::new(stream)).await?;
        let connection = tokio::spawn(connection);
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        let round_trip = started.elapsed();
        connection.abort();
        if status != StatusCode::OK {
            return Err(format!(
                "DynamoDB Local answered ListTables with {status}: {}",
                String::from_utf8_lossy(&body)
            )
            .into());
        }
        Ok(round_trip)
    }
}

/// Starts `binary` against a fresh Runtime API, sends it the target's
/// event `WARM_INVOCATIONS + 1` times, and stops it. Its output goes to `log`.
async fn cold_start(binary: &Path, target: &Target, log: &Path) -> Result<ColdStart, Failure> {
    let mut api = RuntimeApi::start(target.binary).await?;
    let output = File::create(log)?;
    let event = Bytes::from(target.event.to_json());
    let local_stack = LOCAL_STACK_VARS
        .iter()
        .filter_map(|name| Some((*name, std::env::var_os(name)?)));
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs(lambda_environment(target.binary, api.address))
        .envs(local_stack)
        .stdin(Stdio::null())
        .stdout(output.try_clone()?)
        .stderr(output)
        .kill_on_drop(true)
        .spawn()?;
    let measured: Result<_, Failure> = async {
        let init = api.first_poll(&mut child).await? - started;
        let mut latencies = Vec::with_capacity(WARM_INVOCATIONS + 1);
        for n in 0..=WARM_INVOCATIONS {
            let request_id = format!("{}-{n}", target.binary);
            latencies.push(api.invoke(&mut child, request_id, event.clone()).await?);
        }
        Ok((init, latencies))
    }
    .await;
    // It may have exited already; `measured` then says why.
    child.kill().await.ok();
    let (init, mut warm) = measured?;
    let warm_up = logged_warm_up(&std::fs::read_to_string(log)?)?;
    if target.warms_up && warm_up.is_none() {
        return Err("it did not log a finished DynamoDB warm-up".into());
    }
    Ok(ColdStart {
        init,
        warm_up,
        first: warm.remove(0),
        warm,
    })
}

/// The duration of init's DynamoDB warm-up, from the function's JSON log
/// line saying it is done, if it has one.
fn logged_warm_up(log: &str) -> Result<Option<Duration>, Failure> {
    let Some(line) = log.lines().find(|line| line.contains(WARMED_UP)) else {
        return Ok(None);
    };
    let elapsed = serde_json::from_str::<Value>(line)?["fields"]["elapsed_us"]
        .as_u64()
        .ok_or_else(|| format!("a warm-up log line without elapsed_us: {line}"))?;
    Ok(Some(Duration::from_micros(elapsed)))
}

/// What Lambda sets for a function, besides the function's own variables.
fn lambda_environment(function: &str, runtime_api: SocketAddr) -> [(&'static str, String); 7] {
    [
        // template.yaml's LoggingConfig.
        ("AWS_LAMBDA_LOG_FORMAT", "JSON".to_owned()),
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", function.to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", MEMORY_MB.to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function}")),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME",
            "2026/01/01/[$LATEST]cold-start".to_owned(),
        ),
    ]
}

/// The API Gateway response a function posted must be a 200 with a 200 envelope.
fn check_response(response: &[u8]) -> Result<(), Failure> {
    let response: Value = serde_json::from_slice(response)?;
    let status = response["statusCode"]
        .as_u64()
        .and_then(|status| u16::try_from(status).ok())
        .ok_or_else(|| format!("a response without a statusCode: {response}"))?;
    check_answer(status, response["body"].as_str().unwrap_or_default(), 200)
}

/// Prints the table; returns hello's init (the first row's).
fn print_table(targets: &[Target], starts: Vec<Vec<ColdStart>>) -> Duration {
    println!(
        "{PROCESS_STARTS} process starts per binary (medians of init and first invocation), \
         {WARM_INVOCATIONS} warm invocations after each (pooled)\n"
    );
    println!(
        "| binary | event | init ms | of which DynamoDB warm-up ms | init ÷ hello's (≤ 1.5) | \
         init less warm-up ÷ hello's | first invocation ms | warm p50 ms | warm p99 ms | first ÷ warm p50 (≤ 2) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut hello_init: Option<Duration> = None;
    for (target, starts) in targets.iter().zip(starts) {
        let median = |of: fn(&ColdStart) -> Duration| Samples::new(starts.iter().map(of).collect()).median();
        let init = median(|s| s.init);
        let warm_up = median(|s| s.warm_up.unwrap_or_default());
        // Per start, then the median: not the difference of two medians.
        let init_less_warm_up = median(|s| s.init.saturating_sub(s.warm_up.unwrap_or_default()));
        let first = median(|s| s.first);
        let warm = Samples::new(starts.into_iter().flat_map(|s| s.warm).collect());
        // The first row is hello's.
        let hello_init = *hello_init.get_or_insert(init);
        let to_hello = |d: Duration| d.as_secs_f64() / hello_init.as_secs_f64();
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            target.binary,
            target.event.route(),
            ms(init),
            ms(warm_up),
            to_hello(init),
            to_hello(init_less_warm_up),
            ms(first),
            ms(warm.median()),
            ms(warm.percentile(99)),
            first.as_secs_f64() / warm.median().as_secs_f64(),
        );
    }
    hello_init.unwrap_or_default()
}

/// What the stand-in reports to the measurement.
#[derive(Debug)]
enum Report {
    /// The function asked for its next invocation.
    Polled(Instant),
    /// An invocation's event was handed out.
    HandedOut(Instant),
    /// The function posted an invocation's response.
    Answered {
        at: Instant,
        request_id: String,
        body: Bytes,
    },
}

/// An error the function posted, or a call the stand-in does not serve.
type Broken = String;

struct Invocation {
    request_id: String,
    event: Bytes,
}

/// The Runtime API of one function process: `/next` hands out the
/// invocations queued with `invoke`, one at a time, and every call the
/// function makes is reported.
struct RuntimeApi {
    address: SocketAddr,
    invocations: mpsc::Sender<Invocation>,
    reports: mpsc::UnboundedReceiver<Result<Report, Broken>>,
    server: JoinHandle<()>,
}

/// What the server's connections share.
struct Shared {
    function_arn: String,
    invocations: Mutex<mpsc::Receiver<Invocation>>,
    reports: mpsc::UnboundedSender<Result<Report, Broken>>,
}

impl RuntimeApi {
    async fn start(function: &str) -> Result<Self, Failure> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (invocations, queued) = mpsc::channel(1);
        let (report, reports) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function}"),
            invocations: Mutex::new(queued),
            reports: report,
        });
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| shared.clone().serve(req));
                    // A connection ends, cleanly or not, when the process is stopped.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            address,
            invocations,
            reports,
            server,
        })
    }

    /// The next report, unless the process fails, exits or stalls first.
    async fn report(&mut self, child: &mut Child) -> Result<Report, Failure> {
        tokio::select! {
            biased;
            report = self.reports.recv() => match report {
                Some(report) => Ok(report?),
                None => Err("the Runtime API stand-in stopped".into()),
            },
            status = child.wait() => Err(format!("the process exited ({})", status?).into()),
            () = tokio::time::sleep(STEP_TIMEOUT) => Err(format!("nothing happened for {STEP_TIMEOUT:?}").into()),
        }
    }

    /// When the process first asked for an invocation: the end of its init.
    async fn first_poll(&mut self, child: &mut Child) -> Result<Instant, Failure> {
        match self.report(child).await? {
            Report::Polled(at) => Ok(at),
            other => Err(format!("{other:?} before the first poll").into()),
        }
    }

    /// Hands `event` out as invocation `request_id`; the time until its
    /// response is posted, which must be a 200.
    async fn invoke(
        &mut self,
        child: &mut Child,
        request_id: String,
        event: Bytes,
    ) -> Result<Duration, Failure> {
        let invocation = Invocation {
            request_id: request_id.clone(),
            event,
        };
        self.invocations
            .send(invocation)
            .await
            .map_err(|_| "the Runtime API stand-in stopped")?;
        let mut handed_out = None;
        loop {
            match self.report(child).await? {
                Report::Polled(_) => {}
                Report::HandedOut(at) => handed_out = Some(at),
                Report::Answered {
                    at,
                    request_id: answered,
                    body,
                } => {
                    if answered != request_id {
                        return Err(format!("a response to {answered} while {request_id} was out").into());
                    }
                    check_response(&body).map_err(|err| format!("invocation {request_id}: {err}"))?;
                    return Ok(at - handed_out.ok_or("a response before its event was handed out")?);
                }
            }
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Shared {
    async fn serve(self: Arc<Self>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let (parts, body) = req.into_parts();
        let path = parts.uri.path();
        let segments: Vec<&str> = path
            .strip_prefix(RUNTIME_API_PREFIX)
            .unwrap_or(path)
            .split('/')
            .skip(1)
            .collect();
        if parts.method == Method::GET && segments == ["invocation", "next"] {
            return Ok(self.next().await);
        }
        // Everything else the runtime sends is a POST with a body.
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let at = Instant::now();
        let text = || String::from_utf8_lossy(&body).into_owned();
        let (report, status) = match (&parts.method, segments.as_slice()) {
            (&Method::POST, ["invocation", id, "response"]) => (
                Ok(Report::Answered {
                    at,
                    request_id: (*id).to_owned(),
                    body: body.clone(),
                }),
                StatusCode::ACCEPTED,
            ),
            (&Method::POST, ["invocation", id, "error"]) => (
                Err(format!("invocation {id} failed: {}", text())),
                StatusCode::ACCEPTED,
            ),
            (&Method::POST, ["init", "error"]) => {
                (Err(format!("init failed: {}", text())), StatusCode::ACCEPTED)
            }
            _ => (
                Err(format!(
                    "the function called {} {path}, which is not served here",
                    parts.method
                )),
                StatusCode::NOT_FOUND,
            ),
        };
        self.report(report);
        Ok(empty(status))
    }

    /// `GET …/invocation/next`: waits for the next queued invocation.
    async fn next(&self) -> Response<Full<Bytes>> {
        self.report(Ok(Report::Polled(Instant::now())));
        let Some(invocation) = self.invocations.lock().await.recv().await else {
            // The measurement is done with this process.
            return empty(StatusCode::GONE);
        };
        let deadline = SystemTime::now() + INVOCATION_TIMEOUT;
        let deadline_ms = deadline
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        let response = Response::builder()
            .header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
            .header("Lambda-Runtime-Deadline-Ms", deadline_ms.to_string())
            .header("Lambda-Runtime-Invoked-Function-Arn", &self.function_arn)
            .header("Lambda-Runtime-Trace-Id", TRACE_ID)
            .header("Content-Type", "application/json")
            .body(Full::new(invocation.event))
            .expect("valid headers");
        self.report(Ok(Report::HandedOut(Instant::now())));
        response
    }

    fn report(&self, report: Result<Report, Broken>) {
        // Nobody listens once the measurement has given up on the process.
        let _ = self.reports.send(report);
    }
}

fn empty(status: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}
