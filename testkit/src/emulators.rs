//! The local emulators of the services that deliver verification codes,
//! speaking their real wire protocols: `aws-ses-v2-local` (npm) for SES v2,
//! moto's server (PyPI) for SNS. Each test binary starts one of each on a
//! free port the first time a test needs it, unless `AWS_ENDPOINT_URL_SESV2`
//! / `AWS_ENDPOINT_URL_SNS` name running ones (as `make dev` starts them).
//! Tests read what was delivered from the emulators' own APIs.

use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::Region;
use aws_sdk_dynamodb::config::Credentials;
use oauthapp_shared::delivery::{Delivery, TencentSms};
use oauthapp_shared::domain::verification::{Channel, Recipient};
use serde::Deserialize;

/// An emulator: where it answers, and, if this process started it, the
/// pipe that keeps it alive: its wrapper kills it when the pipe closes,
/// which happens when this process ends, however it ends.
pub struct Emulator {
    pub base: String,
    _lifeline: Option<Mutex<(Child, ChildStdin)>>,
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// Starts `program args…` (with `{port}` replaced) under a wrapper that
/// kills it when this process's end of its stdin closes, and waits until
/// it answers on the port.
fn start(name: &str, program: std::path::PathBuf, args: &[&str]) -> Emulator {
    assert!(
        program.exists(),
        "{name} is not installed at {}: run `bash scripts/install.sh venv emulators`",
        program.display()
    );
    let port = free_port();
    let args: Vec<String> = args
        .iter()
        .map(|arg| arg.replace("{port}", &port.to_string()))
        .collect();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#""$@" >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill "$pid""#)
        .arg("sh")
        .arg(&program)
        .args(&args)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("starting {name}: {err}"));
    let stdin = child.stdin.take().expect("the wrapper's stdin");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Emulator {
                base,
                _lifeline: Some(Mutex::new((child, stdin))),
            };
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(stdin);
    let _ = child.wait();
    panic!("{name} did not listen on {base} within 30 s");
}

fn running_or_started(variable: &str, name: &str, program: std::path::PathBuf, args: &[&str]) -> Emulator {
    match std::env::var(variable).ok().filter(|url| !url.is_empty()) {
        Some(base) => Emulator {
            base,
            _lifeline: None,
        },
        None => start(name, program, args),
    }
}

/// `aws-ses-v2-local`: SES v2 `SendEmail`, its mailbox at `GET /store`.
pub static SES: LazyLock<Emulator> = LazyLock::new(|| {
    running_or_started(
        "AWS_ENDPOINT_URL_SESV2",
        "aws-ses-v2-local",
        root().join(".local/ses/node_modules/.bin/aws-ses-v2-local"),
        &["--host", "127.0.0.1", "--port", "{port}"],
    )
});

/// moto's server: SNS `Publish` to phone numbers, read back from
/// `GET /moto-api/data.json`.
pub static SNS: LazyLock<Emulator> = LazyLock::new(|| {
    running_or_started(
        "AWS_ENDPOINT_URL_SNS",
        "moto_server",
        root().join(".local/venv/bin/moto_server"),
        &["-H", "127.0.0.1", "-p", "{port}"],
    )
});

/// The senders of a function, as `run_sending_codes` builds them, on the
/// emulators (and Tencent Cloud SMS at `tencent`).
pub async fn delivery(tencent: TencentSms, default_sender: Option<String>) -> Delivery {
    let (ses, sns) = (SES.base.clone(), SNS.base.clone());
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "emulators"))
        .load()
        .await;
    let email = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(&sdk)
            .endpoint_url(ses)
            .build(),
    );
    let sms =
        aws_sdk_sns::Client::from_conf(aws_sdk_sns::config::Builder::from(&sdk).endpoint_url(sns).build());
    Delivery::from_clients(email, sms, tencent, default_sender)
}

/// Tencent Cloud SMS where a test set none up: nothing answers there.
pub fn no_tencent() -> TencentSms {
    TencentSms::new("http://127.0.0.1:9/", "ap-guangzhou", None).expect("a Tencent endpoint")
}

/// The texts sent to `recipient`'s address (email or SMS), oldest first.
pub async fn texts_to(recipient: &Recipient) -> Vec<String> {
    match recipient.channel() {
        Channel::Email => emails_to(recipient.address())
            .await
            .into_iter()
            .map(|email| email.body.text.unwrap_or_default())
            .collect(),
        Channel::Sms => sms_to(recipient.address())
            .await
            .into_iter()
            .map(|sms| sms.message)
            .collect(),
    }
}

/// An email as the SES emulator received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Email {
    pub from: String,
    pub destination: EmailDestination,
    pub subject: String,
    pub body: EmailBody,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmailDestination {
    pub to: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmailBody {
    pub text: Option<String>,
}

/// An SMS as moto's SNS received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Sms {
    pub message: String,
    pub phone_number: String,
}

async fn get_json(url: &str) -> serde_json::Value {
    reqwest::get(url)
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"))
        .json()
        .await
        .unwrap_or_else(|err| panic!("GET {url} answered no JSON: {err}"))
}

/// The emails sent to `address`, oldest first.
pub async fn emails_to(address: &str) -> Vec<Email> {
    let store = get_json(&format!("{}/store", SES.base)).await;
    let emails: Vec<Email> =
        serde_json::from_value(store["emails"].clone()).expect("the SES emulator's store");
    emails
        .into_iter()
        .filter(|email| email.destination.to.iter().any(|to| to == address))
        .collect()
}

/// The SMS sent to `phone_number` (E.164), oldest first.
pub async fn sms_to(phone_number: &str) -> Vec<Sms> {
    let data = get_json(&format!("{}/moto-api/data.json", SNS.base)).await;
    let sent: Vec<Sms> = serde_json::from_value(data["sns"]["SMS"].clone()).unwrap_or_default();
    sent.into_iter()
        .filter(|sms| sms.phone_number == phone_number)
        .collect()
}

/// The six-digit code in a message's text.
pub fn code_in(text: &str) -> String {
    text.as_bytes()
        .windows(6)
        .position(|window| window.iter().all(u8::is_ascii_digit))
        .map(|at| text[at..at + 6].to_owned())
        .unwrap_or_else(|| panic!("no 6-digit code in {text:?}"))
}
