//! WeChat credentials shared by every instance of every function: one item
//! per (credential, WeChat appid, fingerprint of its secret) holding the
//! value, when it stops being used, and the lease of the one caller allowed
//! to fetch a new value.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use serde::Deserialize;

use super::sealed::SecretPath;
use super::write::condition_held;
use super::{Key, Store, StoreError, keys, number, text};
use crate::domain::Secret;

/// Where a credential item keeps its value, sealed (see `sealed`).
const VALUE: SecretPath = &["value"];

/// Which credential item: the credential's name, the WeChat appid and the
/// fingerprint of the secret it is fetched with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialId {
    pub name: &'static str,
    pub wechat_app_id: String,
    pub secret_fingerprint: String,
}

/// A credential item as read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedCredential {
    pub value: Option<Secret>,
    /// Unix seconds after which nobody uses `value` (WeChat's expiry less
    /// a margin).
    pub expires_at: Option<i64>,
    /// Until when the lease holder alone may fetch.
    pub lease_until: Option<i64>,
}

impl SharedCredential {
    /// The value, while it may still be used at `now`.
    pub fn usable(&self, now: i64) -> Option<(&Secret, i64)> {
        match (&self.value, self.expires_at) {
            (Some(value), Some(expires_at)) if expires_at > now => Some((value, expires_at)),
            _ => None,
        }
    }

    pub fn leased(&self, now: i64) -> bool {
        self.lease_until.is_some_and(|until| until > now)
    }
}

impl CredentialId {
    fn key(&self) -> Key {
        keys::wechat_credential(self.name, &self.wechat_app_id, &self.secret_fingerprint)
    }
}

impl Store {
    /// An UpdateItem of one credential item.
    fn update_credential(&self, id: &CredentialId) -> UpdateItemFluentBuilder {
        self.update(&id.key())
    }

    pub async fn shared_credential(&self, id: &CredentialId) -> Result<SharedCredential, StoreError> {
        let key = id.key();
        let Some(mut item) = self.get_item(&key).await? else {
            return Ok(SharedCredential::default());
        };
        self.open_secrets(&key, &mut item, &[VALUE])?;
        Ok(serde_dynamo::from_item(item)?)
    }

    /// Takes the lease to fetch a new value until `until`, if nobody holds
    /// it and no usable value exists; `Ok(false)` otherwise.
    pub async fn lease_shared_credential(
        &self,
        id: &CredentialId,
        holder: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let result = self
            .update_credential(id)
            .update_expression("SET leaseUntil = :until, leaseHolder = :holder")
            .condition_expression(
                "(attribute_not_exists(leaseUntil) OR leaseUntil <= :now) \
                 AND (attribute_not_exists(expiresAt) OR expiresAt <= :now)",
            )
            .expression_attribute_values(":until", number(until))
            .expression_attribute_values(":holder", text(holder))
            .expression_attribute_values(":now", number(now))
            .send()
            .await;
        condition_held(result)
    }

    /// Stores a fetched value and ends the lease, if `holder` still holds
    /// it; `Ok(false)` when the lease was taken over meanwhile.
    pub async fn save_shared_credential(
        &self,
        id: &CredentialId,
        holder: &str,
        value: &Secret,
        expires_at: i64,
    ) -> Result<bool, StoreError> {
        let result = self
            .update_credential(id)
            .update_expression("SET #value = :value, expiresAt = :expires REMOVE leaseUntil, leaseHolder")
            .condition_expression("leaseHolder = :holder")
            .expression_attribute_names("#value", "value")
            .expression_attribute_values(":value", self.seal_secret(&id.key(), VALUE, value.expose())?)
            .expression_attribute_values(":expires", number(expires_at))
            .expression_attribute_values(":holder", text(holder))
            .send()
            .await;
        condition_held(result)
    }

    /// Ends `holder`'s lease without a value, so the next caller may fetch.
    pub async fn release_shared_credential(&self, id: &CredentialId, holder: &str) -> Result<(), StoreError> {
        let result = self
            .update_credential(id)
            .update_expression("REMOVE leaseUntil, leaseHolder")
            .condition_expression("leaseHolder = :holder")
            .expression_attribute_values(":holder", text(holder))
            .send()
            .await;
        condition_held(result).map(drop)
    }

    /// Forgets `value` because WeChat refused it; a value stored since by
    /// another caller stays. Sealing makes every stored value's bytes
    /// unique, so it reads the item to find whether it holds `value`, then
    /// removes exactly the bytes it read.
    pub async fn drop_shared_credential(&self, id: &CredentialId, value: &Secret) -> Result<(), StoreError> {
        let key = id.key();
        let Some(stored) = self
            .get_item(&key)
            .await?
            .and_then(|mut item| item.remove(VALUE[0]))
        else {
            return Ok(());
        };
        let mut opened = super::Item::from([(VALUE[0].to_owned(), stored.clone())]);
        self.open_secrets(&key, &mut opened, &[VALUE])?;
        if opened
            .get(VALUE[0])
            .and_then(|held| held.as_s().ok())
            .map(String::as_str)
            != Some(value.expose())
        {
            return Ok(());
        }
        let result = self
            .update_credential(id)
            .update_expression("REMOVE #value, expiresAt")
            .condition_expression("#value = :stored")
            .expression_attribute_names("#value", "value")
            .expression_attribute_values(":stored", stored)
            .send()
            .await;
        condition_held(result).map(drop)
    }
}
