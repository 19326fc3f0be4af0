//! The rotation function's four steps as Secrets Manager runs them, against
//! moto's Secrets Manager server (a local emulator of its wire protocol,
//! installed into .local/venv by scripts/install.sh): the first rotation
//! replaces the stack's placeholder, a retried step changes nothing, a
//! later rotation publishes the next key ahead, and a staged set that does
//! not load never becomes current.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use key_rotation::{RotationEvent, Rotator};
use oauthapp_shared::auth::signing_keys::{KeySet, Keys, Rotation};
use oauthapp_shared::config::KeySource;
use oauthapp_shared::domain::clock;

/// moto's server on a port of its own, stopped when dropped.
struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto_server() -> String {
    std::env::var("MOTO_SERVER")
        .unwrap_or_else(|_| format!("{}/../../.local/venv/bin/moto_server", env!("CARGO_MANIFEST_DIR")))
}

async fn start_moto() -> (Moto, Client) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let binary = moto_server();
    let child = Command::new(&binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| {
            panic!("starting {binary} ({err}): run scripts/install.sh venv, or set MOTO_SERVER")
        });
    let moto = Moto(child);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "moto"))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .build();
    (moto, Client::from_conf(config))
}

fn event(step: &str, secret: &str, token: &str) -> RotationEvent {
    RotationEvent {
        step: step.to_owned(),
        secret_id: secret.to_owned(),
        client_request_token: token.to_owned(),
    }
}

/// One whole rotation, as Secrets Manager calls the function.
async fn rotate(rotator: &Rotator, secret: &str, token: &str) {
    for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        rotator
            .step(&event(step, secret, token))
            .await
            .unwrap_or_else(|err| panic!("{step}: {err}"));
    }
}

async fn current(client: &Client, secret: &str) -> KeySet {
    let source = KeySource::SecretsManager {
        client: client.clone(),
        arn: secret.to_owned(),
    };
    source
        .load()
        .await
        .expect("the current key set loads as the functions load it")
}

#[tokio::test]
async fn rotations_replace_the_placeholder_then_publish_each_next_key_ahead() {
    let (_moto, client) = start_moto().await;
    let created = client
        .create_secret()
        .name("signing-keys")
        .secret_string("a-generated-placeholder-of-sixty-four-characters-0123456789abcd")
        .send()
        .await
        .unwrap();
    let secret = created.arn.unwrap();
    let rotator = Rotator {
        client: client.clone(),
        rotation: Rotation::new(3_600),
    };

    rotate(&rotator, &secret, "00000000-0000-4000-8000-000000000001").await;
    let first = current(&client, &secret).await;
    assert_eq!(first.keys.len(), 1);
    assert!(
        first.keys[0].signs_from <= clock::now(),
        "the first key signs at once"
    );

    // A step Secrets Manager retries finds its work done.
    rotate(&rotator, &secret, "00000000-0000-4000-8000-000000000001").await;
    assert_eq!(current(&client, &secret).await, first);

    rotate(&rotator, &secret, "00000000-0000-4000-8000-000000000002").await;
    let second = current(&client, &secret).await;
    assert_eq!(second.keys.len(), 2);
    assert_eq!(second.keys[0], first.keys[0], "the current key stays");
    assert!(
        second.keys[1].signs_from >= clock::now() + 3_500,
        "the next one signs an hour on"
    );
    let keys = Keys::new(&second).unwrap();
    assert_eq!(keys.signer(clock::now()).kid, first.keys[0].kid);
    assert_eq!(keys.jwks().keys.len(), 2);

    // A staged set that does not load fails the test step, and stays pending.
    let broken = "00000000-0000-4000-8000-000000000003";
    client
        .put_secret_value()
        .secret_id(&secret)
        .client_request_token(broken)
        .secret_string(r#"{"keys":[]}"#)
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap();
    rotator
        .step(&event("createSecret", &secret, broken))
        .await
        .unwrap();
    assert!(rotator.step(&event("testSecret", &secret, broken)).await.is_err());
    assert_eq!(current(&client, &secret).await, second);
    assert!(rotator.step(&event("nextSecret", &secret, broken)).await.is_err());
}
