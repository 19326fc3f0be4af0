//! `keys`: the ES256 key set that signs access tokens. Locally it is the
//! file `SIGNING_KEYS_FILE` names, rotated here; in AWS the secret
//! `SIGNING_KEYS_ARN` names, rotated by its rotation function, which
//! `keys rotate` asks Secrets Manager to run now.

use std::path::Path;

use aws_config::SdkConfig;
use clap::Subcommand;
use oauthapp_shared::auth::signing_keys::{KeySet, Rotation};
use oauthapp_shared::config::{self, KeySource};
use oauthapp_shared::domain::clock;
use serde_json::{Value, json};

use crate::output::CliError;

#[derive(Subcommand)]
pub enum Command {
    /// Creates the local key set unless it exists (its first key signs at once).
    Ensure,
    /// Adds the next key, published now and signing after --publish-ahead;
    /// drops keys whose last token has expired.
    Rotate {
        /// Seconds the new key is published before it signs; at least the
        /// functions' SIGNING_KEYS_RELOAD_SECONDS plus the JWKS cache
        /// lifetime (300), or some verifier may not know it yet.
        #[arg(long, env = "SIGNING_KEY_PUBLISH_AHEAD_SECONDS", default_value_t = 3_600)]
        publish_ahead: i64,
    },
    /// The published keys and when each signs; never a private key.
    Show,
}

pub async fn run(sdk: &SdkConfig, command: Command) -> Result<Value, CliError> {
    let source = KeySource::from_env(sdk).ok_or_else(|| {
        CliError::new("neither SIGNING_KEYS_FILE nor SIGNING_KEYS_ARN is set: which key set?")
    })?;
    match (command, &source) {
        (Command::Ensure, KeySource::File(path)) if !path.exists() => {
            // The first key signs at once, whatever the publish-ahead.
            let set = KeySet::default().rotated(clock::now(), Rotation::new(0))?;
            write(path, &set)?;
            show(&set)
        }
        (Command::Rotate { publish_ahead }, KeySource::File(path)) => {
            let set = source
                .load()
                .await?
                .rotated(clock::now(), Rotation::new(publish_ahead))?;
            write(path, &set)?;
            show(&set)
        }
        (Command::Rotate { .. }, KeySource::SecretsManager { client, arn }) => {
            let rotation = client
                .rotate_secret()
                .secret_id(arn)
                .rotate_immediately(true)
                .send()
                .await
                .map_err(|err| {
                    CliError::new(aws_sdk_secretsmanager::error::DisplayErrorContext(err).to_string())
                })?;
            Ok(json!({
                "rotating": arn,
                "versionId": rotation.version_id,
                "note": "the rotation function adds the key; `keys show` lists it once it is done",
            }))
        }
        (Command::Ensure | Command::Show, _) => show(&source.load().await?),
    }
}

/// The set's keys as the JWKS publishes them, with their timing.
fn show(set: &KeySet) -> Result<Value, CliError> {
    let keys = config::key_ring(set)?;
    let now = clock::now();
    let signing = keys.signer(now).kid.clone();
    let listed: Vec<Value> = set
        .keys
        .iter()
        .map(|key| {
            json!({
                "kid": key.kid,
                "signsFrom": key.signs_from,
                "signing": key.kid == signing,
            })
        })
        .collect();
    Ok(json!({ "keys": listed, "jwks": keys.jwks() }))
}

/// Replaces the file whole (a reader sees the old set or the new one),
/// readable by its owner only.
fn write(path: &Path, set: &KeySet) -> Result<(), CliError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let partial = path.with_extension("partial");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)?;
    file.write_all(set.to_json().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&partial, path)?;
    Ok(())
}
