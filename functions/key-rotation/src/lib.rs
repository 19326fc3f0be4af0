//! The `key-rotation` function: Secrets Manager runs it on the signing key
//! set's schedule (and on `oauthapp-admin keys rotate`), one call per step
//! of its rotation protocol. `createSecret` stages the set with the next
//! key as AWSPENDING; `testSecret` checks it loads; `finishSecret` makes
//! it AWSCURRENT. Functions pick it up when they next read the set, and
//! the new key signs only `publish_ahead` later (see `signing_keys`).
//!
//! The secret starts as a random placeholder (the template cannot make a
//! P-256 key): the first rotation, right after the stack is created,
//! replaces it with a set whose first key signs at once.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use oauthapp_shared::auth::signing_keys::{KeySet, Keys, Rotation};
use oauthapp_shared::domain::clock;
use serde::Deserialize;

const CURRENT: &str = "AWSCURRENT";
const PENDING: &str = "AWSPENDING";

/// What Secrets Manager sends each step.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationEvent {
    pub step: String,
    pub secret_id: String,
    /// The id of the version being made.
    pub client_request_token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("Secrets Manager: {0}")]
    SecretsManager(String),
    #[error("the pending key set is unusable: {0}")]
    Unusable(String),
    #[error("unknown rotation step {0:?}")]
    UnknownStep(String),
}

fn failed<E: std::error::Error + 'static>(err: aws_sdk_secretsmanager::error::SdkError<E>) -> RotationError {
    RotationError::SecretsManager(DisplayErrorContext(err).to_string())
}

pub struct Rotator {
    pub client: Client,
    pub rotation: Rotation,
}

impl Rotator {
    pub async fn step(&self, event: &RotationEvent) -> Result<(), RotationError> {
        tracing::info!(step = %event.step, version = %event.client_request_token, "rotating the signing keys");
        match event.step.as_str() {
            "createSecret" => self.create(event).await,
            // The keys are ours alone: there is no other service to tell.
            "setSecret" => Ok(()),
            "testSecret" => self.test(event).await,
            "finishSecret" => self.finish(event).await,
            other => Err(RotationError::UnknownStep(other.to_owned())),
        }
    }

    /// The value of `stage`, or of version `version` in it.
    async fn value(
        &self,
        event: &RotationEvent,
        stage: &str,
        version: Option<&str>,
    ) -> Result<Option<String>, RotationError> {
        match self
            .client
            .get_secret_value()
            .secret_id(&event.secret_id)
            .version_stage(stage)
            .set_version_id(version.map(str::to_owned))
            .send()
            .await
        {
            Ok(output) => Ok(output.secret_string),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|err| err.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(failed(err)),
        }
    }

    /// Stages the rotated set under the event's version, unless a retried
    /// step did already.
    async fn create(&self, event: &RotationEvent) -> Result<(), RotationError> {
        let version = Some(event.client_request_token.as_str());
        if self.value(event, PENDING, version).await?.is_some() {
            return Ok(());
        }
        // The placeholder the stack created is no key set: start one.
        let current = self
            .value(event, CURRENT, None)
            .await?
            .and_then(|text| KeySet::parse(&text).ok())
            .unwrap_or_default();
        let next = current
            .rotated(clock::now(), self.rotation)
            .map_err(|err| RotationError::Unusable(err.to_string()))?;
        self.client
            .put_secret_value()
            .secret_id(&event.secret_id)
            .client_request_token(&event.client_request_token)
            .secret_string(next.to_json())
            .version_stages(PENDING)
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }

    /// The staged set must load and have a key that signs now.
    async fn test(&self, event: &RotationEvent) -> Result<(), RotationError> {
        let text = self
            .value(event, PENDING, Some(&event.client_request_token))
            .await?
            .ok_or_else(|| RotationError::Unusable("nothing is staged".to_owned()))?;
        let set = KeySet::parse(&text).map_err(|err| RotationError::Unusable(err.to_string()))?;
        let keys = Keys::new(&set).map_err(|err| RotationError::Unusable(err.to_string()))?;
        if keys.signer(clock::now()).signs_from > clock::now() {
            return Err(RotationError::Unusable("no key signs yet".to_owned()));
        }
        Ok(())
    }

    /// Moves AWSCURRENT to the staged version.
    async fn finish(&self, event: &RotationEvent) -> Result<(), RotationError> {
        let described = self
            .client
            .describe_secret()
            .secret_id(&event.secret_id)
            .send()
            .await
            .map_err(failed)?;
        let current = described
            .version_ids_to_stages()
            .into_iter()
            .flatten()
            .find(|(_, stages)| stages.iter().any(|stage| stage == CURRENT))
            .map(|(version, _)| version.clone());
        if current.as_deref() == Some(event.client_request_token.as_str()) {
            return Ok(());
        }
        self.client
            .update_secret_version_stage()
            .secret_id(&event.secret_id)
            .version_stage(CURRENT)
            .move_to_version_id(&event.client_request_token)
            .set_remove_from_version_id(current)
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }
}
