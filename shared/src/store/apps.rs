//! Apps: created and changed by the operator, read by every endpoint.

use rand::RngExt;

use super::sealed::{SecretPath, plain_secrets};
use super::write::{SetGiven, applied};
use super::{
    App, AppCard, Item, Key, Store, StoreError, UnionIdProof, WechatAccount, WechatSettings, item_of, keys,
    number, put_if, text,
};
use crate::domain::app_property::AppProperties;
use crate::domain::currency::AppCurrencies;
use crate::domain::verification::VerificationSettings;
use crate::domain::{PasswordPolicy, QrMode, Secret, WechatCallers};

/// Where an app item keeps its secrets.
pub const APP_SECRETS: [SecretPath; 3] = [
    &["secret"],
    &["wechatMiniProgram", "secret"],
    &["wechatOfficialAccount", "secret"],
];

/// How many app keys an instance reads when it starts: every key of a studio
/// with dozens of apps, in one small page (about 5 KB).
const WARM_UP_KEYS: i32 = 100;

/// An app key's guard (`keys::app_key`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyGuard {
    #[serde(rename = "sk")]
    key: String,
    app_id: u64,
}

/// What the operator gives when creating an app.
#[derive(Debug, Clone, Default)]
pub struct NewApp {
    /// Chosen key, or a random one.
    pub key: Option<String>,
    pub tenant_id: String,
    pub tenant_name: String,
    pub card: AppCard,
}

/// Changes to an app; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AppChanges {
    pub name: Option<String>,
    pub logo: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
    pub tags: Option<String>,
    pub scopes: Option<String>,
    pub tenant_id: Option<String>,
    pub tenant_name: Option<String>,
    pub union_id_proof: Option<UnionIdProof>,
    pub password_policy: Option<PasswordPolicy>,
    pub qr_mode: Option<QrMode>,
    pub web_origins: Option<Vec<String>>,
    pub rate_limit_per_ip: Option<u32>,
    pub access_token_lifetime: Option<u32>,
    pub wechat_mini_program: Option<WechatAccount>,
    pub wechat_official_account: Option<WechatAccount>,
    pub js_api_list: Option<Vec<String>>,
    pub wechat_callers: Option<WechatCallers>,
    pub wechat_user_calls_per_minute: Option<u32>,
    pub verification: Option<VerificationSettings>,
    /// The whole list, which replaces the app's.
    pub properties: Option<AppProperties>,
    /// The whole set of currencies and rates, which replaces the app's.
    pub currencies: Option<AppCurrencies>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAppError {
    #[error("the app key {0:?} is taken by another app")]
    KeyTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn random_text(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Store {
    pub async fn create_app(&self, new: NewApp, now: i64) -> Result<App, CreateAppError> {
        let id = self.next_in_sequence(&keys::app_sequence()).await?;
        let app = App {
            id,
            key: new.key.unwrap_or_else(|| random_text(16)),
            // 48 characters of a 36-letter alphabet: about 248 bits.
            secret: Secret::new(random_text(48)),
            tenant_id: new.tenant_id,
            tenant_name: new.tenant_name,
            card: new.card,
            union_id_proof: UnionIdProof::default(),
            password_policy: PasswordPolicy::default(),
            qr_mode: QrMode::default(),
            web_origins: Vec::new(),
            rate_limit_per_ip: None,
            access_token_lifetime: None,
            wechat: WechatSettings::default(),
            verification: Default::default(),
            properties: AppProperties::default(),
            currencies: AppCurrencies::default(),
            created_at: now,
        };
        let key_guard = keys::app_key(&app.key);
        let mut guard_item = key_guard.item();
        guard_item.insert("appId".to_owned(), number(app.id));
        let app_key = keys::app(id);
        let mut app_item = item_of(&app_key, &app, &[])?;
        self.seal_secrets(&app_key, &mut app_item, &APP_SECRETS)?;
        let writes = vec![
            put_if(&self.table, app_item, "attribute_not_exists(pk)")?,
            put_if(&self.table, guard_item, "attribute_not_exists(pk)")?,
        ];
        match self.transact(writes).await {
            Ok(()) => Ok(app),
            Err(failure) if failure.failed_conditions().get(1) == Some(&true) => {
                Err(CreateAppError::KeyTaken(app.key))
            }
            Err(failure) => Err(CreateAppError::Store(failure.into())),
        }
    }

    pub async fn app(&self, app_id: u64) -> Result<Option<App>, StoreError> {
        let key = keys::app(app_id);
        self.get_item(&key)
            .await?
            .map(|item| self.app_of(item, &key))
            .transpose()
    }

    /// The app an item read from `key` holds, its secrets opened.
    pub(super) fn app_of(&self, mut item: Item, key: &Key) -> Result<App, StoreError> {
        self.open_secrets(key, &mut item, &APP_SECRETS)?;
        Ok(serde_dynamo::from_item(item)?)
    }

    /// Seals the secrets app `app_id` still keeps in plain text, from before
    /// sealing; `Ok(None)` when there is no such app.
    pub async fn reseal_app(&self, app_id: u64) -> Result<Option<Resealed>, StoreError> {
        let key = keys::app(app_id);
        let Some(item) = self.get_item(&key).await? else {
            return Ok(None);
        };
        let plain = plain_secrets(&item, &APP_SECRETS).len();
        if plain == 0 {
            return Ok(Some(Resealed::AlreadySealed));
        }
        Ok(Some(if self.reseal(&key, &item, &APP_SECRETS).await? {
            Resealed::Sealed(plain)
        } else {
            // Changed meanwhile, by a writer that sealed what it wrote.
            Resealed::ChangedMeanwhile
        }))
    }

    /// The ids of every app, by their key guards.
    pub async fn app_ids(&self) -> Result<Vec<u64>, StoreError> {
        let pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", text(keys::APP_KEYS))
            .projection_expression("appId")
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await?;
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Guard {
            app_id: u64,
        }
        let guards: Vec<Guard> = serde_dynamo::from_items(pages)?;
        Ok(guards.into_iter().map(|guard| guard.app_id).collect())
    }

    /// The app with string key `key`, as the v1 API addresses apps.
    pub async fn app_by_key(&self, key: &str) -> Result<Option<App>, StoreError> {
        match self.app_id_by_key(key).await? {
            Some(app_id) => self.app(app_id).await,
            None => Ok(None),
        }
    }

    /// The id of the app with key `key`, from its key guard. An app's key
    /// never changes and apps are never deleted, so a guard once read is
    /// remembered for the life of the instance; an unknown key is asked
    /// again, since the app may be created in the meantime.
    pub async fn app_id_by_key(&self, key: &str) -> Result<Option<u64>, StoreError> {
        if let Some(app_id) = self.app_ids.read().ok().and_then(|known| known.get(key).copied()) {
            return Ok(Some(app_id));
        }
        let Some(guard) = self.get::<KeyGuard>(&keys::app_key(key)).await? else {
            // Unknown keys are not kept (nor the lock taken): the memo holds
            // at most one entry per app, however many keys clients make up.
            return Ok(None);
        };
        let app_id = guard.app_id;
        self.remember_app_keys([guard]);
        Ok(Some(app_id))
    }

    /// Opens the connection to DynamoDB (TCP, TLS, credentials, endpoint)
    /// before the first request, with a read worth making: the app key
    /// guards, so that v1 requests find their app id in memory from the
    /// first one on. It reads at most `WARM_UP_KEYS` of them, so that a
    /// studio with thousands of apps does not wait for all of them at every
    /// cold start; keys beyond are read when asked for. A failure only costs
    /// the first requests the same work later. Returns how many keys it learnt.
    pub async fn warm_up(&self) -> Result<usize, StoreError> {
        let guards = self.app_key_guards().await?;
        let learnt = guards.len();
        self.remember_app_keys(guards);
        Ok(learnt)
    }

    /// The first `WARM_UP_KEYS` app key guards.
    async fn app_key_guards(&self) -> Result<Vec<KeyGuard>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", text(keys::APP_KEYS))
            .projection_expression("sk, appId")
            .limit(WARM_UP_KEYS)
            .send()
            .await?;
        Ok(serde_dynamo::from_items(page.items.unwrap_or_default())?)
    }

    fn remember_app_keys(&self, guards: impl IntoIterator<Item = KeyGuard>) {
        if let Ok(mut known) = self.app_ids.write() {
            known.extend(guards.into_iter().map(|guard| (guard.key, guard.app_id)));
        }
    }

    /// The app's web origins (one eventually consistent read of two of its
    /// attributes), or `None` when there is no such app.
    pub async fn app_web_origins(&self, app_id: u64) -> Result<Option<Vec<String>>, StoreError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Origins {
            #[serde(default)]
            web_origins: Vec<String>,
        }
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::app(app_id).item()))
            .projection_expression("pk, webOrigins")
            .send()
            .await?;
        Ok(output
            .item
            .map(serde_dynamo::from_item::<_, Origins>)
            .transpose()?
            .map(|found| found.web_origins))
    }

    /// Applies `changes`; `Ok(None)` when there is no such app.
    /// Secrets the app item kept in plain text from before sealing are
    /// sealed too, as any write of the app does.
    pub async fn update_app(&self, app_id: u64, changes: AppChanges) -> Result<Option<App>, StoreError> {
        let key = keys::app(app_id);
        let account = |field: &'static str, account: Option<WechatAccount>| {
            account
                .map(|account| self.sealed_account(&key, field, account))
                .transpose()
        };
        let given = SetGiven::default()
            .field("name", changes.name.map(text))
            .field("logo", changes.logo.map(text))
            .field("website", changes.website.map(text))
            .field("description", changes.description.map(text))
            .field("tags", changes.tags.map(text))
            .field("scopes", changes.scopes.map(text))
            .field("tenantId", changes.tenant_id.map(text))
            .field("tenantName", changes.tenant_name.map(text))
            .field(
                "unionIdProof",
                changes.union_id_proof.map(|proof| text(proof.as_str())),
            )
            .field(
                "passwordPolicy",
                changes.password_policy.map(|policy| text(policy.as_str())),
            )
            .field("qrMode", changes.qr_mode.map(|mode| text(mode.as_str())))
            .field(
                "webOrigins",
                changes
                    .web_origins
                    .map(serde_dynamo::to_attribute_value)
                    .transpose()?,
            )
            .field("rateLimitPerIp", changes.rate_limit_per_ip.map(number))
            .field("accessTokenLifetime", changes.access_token_lifetime.map(number))
            .field(
                "wechatMiniProgram",
                account("wechatMiniProgram", changes.wechat_mini_program)?,
            )
            .field(
                "wechatOfficialAccount",
                account("wechatOfficialAccount", changes.wechat_official_account)?,
            )
            .field(
                "wechatCallers",
                changes.wechat_callers.map(|callers| text(callers.as_str())),
            )
            .field(
                "wechatUserCallsPerMinute",
                changes.wechat_user_calls_per_minute.map(number),
            )
            .field(
                "jsApiList",
                changes
                    .js_api_list
                    .map(serde_dynamo::to_attribute_value)
                    .transpose()?,
            )
            .field(
                "verification",
                changes
                    .verification
                    .map(serde_dynamo::to_attribute_value)
                    .transpose()?,
            )
            .field(
                "properties",
                changes
                    .properties
                    .map(serde_dynamo::to_attribute_value)
                    .transpose()?,
            )
            .field(
                "currencies",
                changes
                    .currencies
                    .map(serde_dynamo::to_attribute_value)
                    .transpose()?,
            );
        if given.is_empty() {
            return self.app(app_id).await;
        }
        let request = self
            .update(&key)
            .condition_expression("attribute_exists(pk)")
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew);
        let Some(item) = applied(given.on(request).send().await)?.and_then(|output| output.attributes) else {
            return Ok(None);
        };
        self.reseal(&key, &item, &APP_SECRETS).await?;
        self.app_of(item, &key).map(Some)
    }

    /// A WeChat account as the app item at `key` keeps it in `field`, its
    /// secret sealed.
    fn sealed_account(
        &self,
        key: &Key,
        field: &'static str,
        account: WechatAccount,
    ) -> Result<aws_sdk_dynamodb::types::AttributeValue, StoreError> {
        let mut holder = Item::from([(field.to_owned(), serde_dynamo::to_attribute_value(account)?)]);
        self.seal_secrets(key, &mut holder, &APP_SECRETS)?;
        holder
            .remove(field)
            .ok_or_else(|| StoreError::Failed(format!("sealing {field} lost it")))
    }
}

/// What resealing an app did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resealed {
    /// This many secrets were in plain text and are sealed now.
    Sealed(usize),
    AlreadySealed,
    /// The app was written meanwhile, which sealed its secrets.
    ChangedMeanwhile,
}
