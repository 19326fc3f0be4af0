//! QR sign-in keys: created → scanned → confirmed (bound to one user, with
//! the web page's token) → redeemed. Every transition is one conditional
//! write, so a key is confirmed at most once and redeemed at most once. A
//! key lives a configured time, enforced on every write as well as by TTL.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use rand::RngExt;

use super::{Store, StoreError, item_of, keys, number, text};
use crate::domain::qr::{KEY_FLOOR, KEY_LIMIT, QrKey, QrRefusal, QrRequest, QrState, refusal};

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error(transparent)]
    Refused(#[from] QrRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One step of a key's life: from which states to which, and what it
/// writes or removes on the way.
struct Transition<'a> {
    from: &'a [QrState],
    to: QrState,
    set: &'a [(&'a str, AttributeValue)],
    remove: &'a [&'a str],
}

impl Store {
    /// Issues a new random key for `app_id`, valid `lifetime` seconds.
    pub async fn create_qr_key(
        &self,
        app_id: u64,
        request: QrRequest,
        now: i64,
        lifetime: i64,
    ) -> Result<QrKey, StoreError> {
        // A collision among 2^52 keys is all but impossible; retry anyway.
        for _ in 0..5 {
            let key = QrKey {
                key: rand::rng().random_range(KEY_FLOOR..KEY_LIMIT),
                app_id,
                state: QrState::Created,
                request: request.clone(),
                expires_at: now + lifetime,
                user_id: None,
                token: None,
            };
            let mut item = item_of(&keys::qr_key(key.key), &key, &[])?;
            item.insert(keys::TTL.to_owned(), number(key.expires_at));
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await;
            match put {
                Ok(_) => return Ok(key),
                Err(err)
                    if matches!(
                        err.as_service_error(),
                        Some(PutItemError::ConditionalCheckFailedException(_))
                    ) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Err(StoreError::Failed("five QR key collisions in a row".to_owned()))
    }

    /// Applies `step` to the key if it belongs to `app_id`, has not expired
    /// and is in one of `step.from`; returns the key as it was before.
    async fn advance_qr_key(
        &self,
        key: u64,
        app_id: u64,
        now: i64,
        step: Transition<'_>,
    ) -> Result<QrKey, QrError> {
        let Transition {
            from,
            to,
            set: extra,
            remove,
        } = step;
        let allowed: Vec<String> = (0..from.len()).map(|i| format!(":from{i}")).collect();
        let mut update = "SET #state = :to".to_owned();
        let mut request = self
            .update(&keys::qr_key(key))
            .condition_expression(format!(
                "appId = :app AND expiresAt > :now AND #state IN ({})",
                allowed.join(", ")
            ))
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":to", text(to.as_str()))
            .expression_attribute_values(":app", number(app_id))
            .expression_attribute_values(":now", number(now))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (name, state) in allowed.iter().zip(from) {
            request = request.expression_attribute_values(name, text(state.as_str()));
        }
        for (i, (name, value)) in extra.iter().enumerate() {
            update.push_str(&format!(", #set{i} = :set{i}"));
            request = request
                .expression_attribute_names(format!("#set{i}"), *name)
                .expression_attribute_values(format!(":set{i}"), value.clone());
        }
        for (i, name) in remove.iter().enumerate() {
            update.push_str(if i == 0 { " REMOVE " } else { ", " });
            update.push_str(&format!("#remove{i}"));
            request = request.expression_attribute_names(format!("#remove{i}"), *name);
        }
        match request.update_expression(update).send().await {
            Ok(output) => {
                Ok(serde_dynamo::from_item(output.attributes.unwrap_or_default())
                    .map_err(StoreError::from)?)
            }
            Err(err) => match err.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    let old = failed
                        .item
                        .clone()
                        .map(serde_dynamo::from_item)
                        .transpose()
                        .map_err(StoreError::from)?;
                    Err(refusal(old, app_id, now).into())
                }
                _ => Err(StoreError::from(err).into()),
            },
        }
    }

    /// The key, if it belongs to `app_id`, has not expired and is in `state`.
    pub async fn qr_key_in_state(
        &self,
        key: u64,
        app_id: u64,
        now: i64,
        state: QrState,
    ) -> Result<QrKey, QrError> {
        match self.get::<QrKey>(&keys::qr_key(key)).await? {
            Some(found) if found.app_id == app_id && found.expires_at > now && found.state == state => {
                Ok(found)
            }
            found => Err(refusal(found, app_id, now).into()),
        }
    }

    /// The mini-program scanned the code: created or scanned → scanned.
    pub async fn scan_qr_key(&self, key: u64, app_id: u64, now: i64) -> Result<QrKey, QrError> {
        let step = Transition {
            from: &[QrState::Created, QrState::Scanned],
            to: QrState::Scanned,
            set: &[],
            remove: &[],
        };
        self.advance_qr_key(key, app_id, now, step).await
    }

    /// A user confirmed: scanned → confirmed, with the web page's token.
    pub async fn confirm_qr_key(
        &self,
        key: u64,
        app_id: u64,
        user_id: u64,
        web_token: &str,
        now: i64,
    ) -> Result<(), QrError> {
        let set = [("userId", number(user_id)), ("token", text(web_token))];
        let step = Transition {
            from: &[QrState::Scanned],
            to: QrState::Confirmed,
            set: &set,
            remove: &[],
        };
        self.advance_qr_key(key, app_id, now, step).await.map(|_| ())
    }

    /// The web page's poll: confirmed → redeemed, handing out the token
    /// exactly once. One conditional write, whatever the key's state.
    pub async fn redeem_qr_key(&self, key: u64, app_id: u64, now: i64) -> Result<String, QrError> {
        let step = Transition {
            from: &[QrState::Confirmed],
            to: QrState::Redeemed,
            set: &[],
            remove: &["token"],
        };
        let old = self.advance_qr_key(key, app_id, now, step).await?;
        old.token
            .ok_or_else(|| StoreError::Failed(format!("confirmed QR key {key} had no token")).into())
    }
}
