//! The secrets the table keeps (app secrets, WeChat AppSecrets, access
//! tokens and jsapi tickets) are sealed under the deployment's
//! `APP_SECRETS_KEY` (see `domain::sealing`). A sealed secret is a Binary
//! attribute, a version byte then the sealed bytes, bound to its item's key
//! and its own path in the item: copied to another item or field, it does
//! not open. A String in its place was written before sealing: it is read
//! as it is, and sealed when its item is next written or resealed.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use super::write::condition_held;
use super::{Item, Key, Store, StoreError};
use crate::domain::Secret;
use crate::domain::sealing::Sealer;

/// Separates this use of the key from any other.
const PURPOSE: &[u8] = b"oauthapp stored secret sealing v1";
/// The first byte of every sealed attribute, so a later scheme can be told apart.
const VERSION: u8 = 1;

/// Where a secret lies in its item: attribute names from the top.
pub type SecretPath = &'static [&'static str];

/// What binds a sealed value to its place.
fn binding(key: &Key, path: SecretPath) -> Vec<u8> {
    format!("{}\n{}\n{}", key.pk, key.sk, path.join(".")).into_bytes()
}

fn at_mut(item: &mut Item, path: SecretPath) -> Option<&mut AttributeValue> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(item.get_mut(*first)?, |value, name| match value {
            AttributeValue::M(map) => map.get_mut(*name),
            _ => None,
        })
}

fn at(item: &Item, path: SecretPath) -> Option<&AttributeValue> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(item.get(*first)?, |value, name| match value {
            AttributeValue::M(map) => map.get(*name),
            _ => None,
        })
}

/// Applies `change` to each secret of `item` at `paths`.
fn each_secret(
    item: &mut Item,
    paths: &[SecretPath],
    mut change: impl FnMut(SecretPath, &mut AttributeValue) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for path in paths {
        if let Some(value) = at_mut(item, path) {
            change(path, value)?;
        }
    }
    Ok(())
}

/// The secrets at `paths` written before sealing, with their text.
pub fn plain_secrets<'a>(item: &'a Item, paths: &[SecretPath]) -> Vec<(SecretPath, &'a str)> {
    paths
        .iter()
        .filter_map(|path| match at(item, path) {
            Some(AttributeValue::S(text)) => Some((*path, text.as_str())),
            _ => None,
        })
        .collect()
}

impl Store {
    /// This store, sealing and opening secrets under `key` (`APP_SECRETS_KEY`).
    pub fn with_sealing(mut self, key: &Secret) -> Self {
        self.sealer = Some(std::sync::Arc::new(Sealer::new(key.expose().as_bytes(), PURPOSE)));
        self
    }

    fn sealer(&self) -> Result<&Sealer, StoreError> {
        self.sealer.as_deref().ok_or_else(|| {
            StoreError::Failed(
                "this process was given no APP_SECRETS_KEY, so it cannot read or write the secrets the table keeps"
                    .to_owned(),
            )
        })
    }

    /// `plain` sealed for the attribute at `path` of the item at `key`.
    pub(super) fn seal_secret(
        &self,
        key: &Key,
        path: SecretPath,
        plain: &str,
    ) -> Result<AttributeValue, StoreError> {
        let sealed = self.sealer()?.seal(&binding(key, path), plain.as_bytes());
        Ok(AttributeValue::B(Blob::new([&[VERSION][..], &sealed].concat())))
    }

    /// Seals, in `item`, the secrets at `paths` still in plain text.
    pub(super) fn seal_secrets(
        &self,
        key: &Key,
        item: &mut Item,
        paths: &[SecretPath],
    ) -> Result<(), StoreError> {
        each_secret(item, paths, |path, value| {
            if let AttributeValue::S(plain) = value {
                *value = self.seal_secret(key, path, plain)?;
            }
            Ok(())
        })
    }

    /// Opens, in `item` as read from `key`, the sealed secrets at `paths`,
    /// leaving plain text where `seal_secrets` would find it.
    pub(super) fn open_secrets(
        &self,
        key: &Key,
        item: &mut Item,
        paths: &[SecretPath],
    ) -> Result<(), StoreError> {
        each_secret(item, paths, |path, value| {
            let AttributeValue::B(stored) = value else {
                return Ok(());
            };
            let unopenable = || {
                StoreError::Failed(format!(
                    "the secret {} of item {} / {} does not open (was APP_SECRETS_KEY replaced, or the item copied?)",
                    path.join("."),
                    key.pk,
                    key.sk
                ))
            };
            let plain = match stored.as_ref().split_first() {
                Some((&VERSION, sealed)) => self
                    .sealer()?
                    .open(&binding(key, path), sealed)
                    .map_err(|_| unopenable())?,
                _ => return Err(unopenable()),
            };
            *value = AttributeValue::S(String::from_utf8(plain).map_err(|_| unopenable())?);
            Ok(())
        })
    }

    /// Seals the plain secrets of `item`, as read from `key`, in place, each
    /// only if it still holds the value read. `Ok(false)` when the item
    /// changed meanwhile; whoever changed it wrote its secrets sealed.
    pub(super) async fn reseal(
        &self,
        key: &Key,
        item: &Item,
        paths: &[SecretPath],
    ) -> Result<bool, StoreError> {
        let plain = plain_secrets(item, paths);
        if plain.is_empty() {
            return Ok(true);
        }
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = Vec::new();
        let mut conditions = Vec::new();
        for (index, (path, plain_text)) in plain.into_iter().enumerate() {
            let place: Vec<String> = path
                .iter()
                .map(|name| {
                    let alias = format!("#n{}", names.len());
                    names.insert(alias.clone(), (*name).to_owned());
                    alias
                })
                .collect();
            let place = place.join(".");
            values.insert(
                format!(":sealed{index}"),
                self.seal_secret(key, path, plain_text)?,
            );
            values.insert(format!(":plain{index}"), AttributeValue::S(plain_text.to_owned()));
            sets.push(format!("{place} = :sealed{index}"));
            conditions.push(format!("{place} = :plain{index}"));
        }
        let result = self
            .update(key)
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(conditions.join(" AND "))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        condition_held(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_secrets_in_nested_maps() {
        let mut item: Item = HashMap::from([
            ("secret".to_owned(), AttributeValue::S("plain".into())),
            (
                "account".to_owned(),
                AttributeValue::M(HashMap::from([(
                    "secret".to_owned(),
                    AttributeValue::B(Blob::new(vec![1, 2])),
                )])),
            ),
        ]);
        let paths: [SecretPath; 3] = [&["secret"], &["account", "secret"], &["missing", "secret"]];
        assert_eq!(plain_secrets(&item, &paths), vec![(paths[0], "plain")]);
        assert!(at_mut(&mut item, paths[1]).is_some_and(|value| value.is_b()));
        assert!(at(&item, paths[2]).is_none());
        assert!(
            at(&item, &["secret", "deeper"]).is_none(),
            "a text has no attributes"
        );
    }

    #[test]
    fn the_binding_names_the_item_and_the_field() {
        let key = |pk: &str| Key {
            pk: pk.into(),
            sk: "APP".into(),
        };
        assert_ne!(
            binding(&key("APP#1"), &["secret"]),
            binding(&key("APP#2"), &["secret"])
        );
        assert_ne!(
            binding(&key("APP#1"), &["secret"]),
            binding(&key("APP#1"), &["wechatMiniProgram", "secret"])
        );
    }
}
