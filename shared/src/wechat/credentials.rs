//! Access tokens and jsapi tickets, fetched once and shared. WeChat's
//! quotas are small and a new token can evict the old one, so every
//! instance uses the value kept in DynamoDB; a warm instance keeps a copy in
//! memory. When the value is missing or expired, a conditional-write lease
//! lets exactly one caller fetch while the others poll for its result.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngExt;

use crate::domain::{Error, ErrorKind, Secret, clock};
use crate::store::Store;

/// Stop using a value this long before WeChat says it expires: WeChat
/// rotates stable tokens about five minutes early.
const EXPIRY_MARGIN: i64 = 300;
/// How long a fetcher may hold the lease; longer than one WeChat call may
/// take (see `upstream::TIMEOUT`) plus the write.
const LEASE_SECONDS: i64 = 8;
/// How long callers wait for another caller's fetch before giving up.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

/// A value as WeChat issues it: `{"access_token"|"ticket", "expires_in"}`.
#[derive(serde::Deserialize)]
pub struct Issued {
    #[serde(alias = "access_token", alias = "ticket")]
    pub value: Secret,
    pub expires_in: i64,
}

/// How long to use a value WeChat says lives `expires_in` seconds: the
/// margin, or half the lifetime when that is shorter.
fn usable_for(expires_in: i64) -> i64 {
    if expires_in > 2 * EXPIRY_MARGIN {
        expires_in - EXPIRY_MARGIN
    } else {
        expires_in / 2
    }
}

#[derive(Clone)]
struct Held {
    value: Secret,
    expires_at: i64,
}

type Slot = Arc<tokio::sync::Mutex<Option<Held>>>;

/// One credential of one WeChat appid, e.g. ("access-token", "wx…").
#[derive(Clone, Copy)]
pub struct CredentialName<'a> {
    pub name: &'static str,
    pub wechat_app_id: &'a str,
}

pub struct CredentialCache {
    store: Store,
    /// A warm instance's copies; the slot's lock also makes the instance's
    /// concurrent callers wait for one of them.
    slots: Mutex<HashMap<(String, String), Slot>>,
}

impl CredentialCache {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            slots: Mutex::default(),
        }
    }

    fn slot(&self, id: CredentialName) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots
            .entry((id.name.to_owned(), id.wechat_app_id.to_owned()))
            .or_default()
            .clone()
    }

    /// The current value, from memory, DynamoDB or, by one caller across
    /// all instances, `fetch`.
    pub async fn get<F: Future<Output = Result<Issued, Error>>>(
        &self,
        id: CredentialName<'_>,
        fetch: impl FnOnce() -> F,
    ) -> Result<Secret, Error> {
        let slot = self.slot(id);
        let mut held = slot.lock().await;
        if let Some(held) = held.as_ref().filter(|held| held.expires_at > clock::now()) {
            return Ok(held.value.clone());
        }
        let shared = self.shared(id, fetch).await?;
        let value = shared.value.clone();
        *held = Some(shared);
        Ok(value)
    }

    /// Forgets `failed`, which WeChat refused; a newer value stays.
    pub async fn forget(&self, id: CredentialName<'_>, failed: &Secret) -> Result<(), Error> {
        let slot = self.slot(id);
        let mut held = slot.lock().await;
        if held.as_ref().is_some_and(|held| held.value == *failed) {
            *held = None;
        }
        self.store
            .drop_shared_credential(id.name, id.wechat_app_id, failed)
            .await?;
        Ok(())
    }

    async fn shared<F: Future<Output = Result<Issued, Error>>>(
        &self,
        id: CredentialName<'_>,
        fetch: impl FnOnce() -> F,
    ) -> Result<Held, Error> {
        let (name, wechat_app_id) = (id.name, id.wechat_app_id);
        let holder = hex::encode(rand::rng().random::<[u8; 16]>());
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = clock::now();
            let item = self.store.shared_credential(name, wechat_app_id).await?;
            if let Some((value, expires_at)) = item.usable(now) {
                return Ok(Held {
                    value: value.clone(),
                    expires_at,
                });
            }
            if !item.leased(now)
                && self
                    .store
                    .lease_shared_credential(name, wechat_app_id, &holder, now, now + LEASE_SECONDS)
                    .await?
            {
                return self.fetch_and_share(id, &holder, fetch).await;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(Error::new(
                    ErrorKind::Unavailable,
                    "Another request is fetching this app's WeChat credentials and has not finished; retry in a \
                     moment.",
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Fetches under the lease and shares the value; a failed fetch gives
    /// the lease back so the next caller may try at once.
    async fn fetch_and_share<F: Future<Output = Result<Issued, Error>>>(
        &self,
        id: CredentialName<'_>,
        holder: &str,
        fetch: impl FnOnce() -> F,
    ) -> Result<Held, Error> {
        let (name, wechat_app_id) = (id.name, id.wechat_app_id);
        match fetch().await {
            Ok(issued) => {
                let held = Held {
                    expires_at: clock::now() + usable_for(issued.expires_in),
                    value: issued.value,
                };
                self.store
                    .save_shared_credential(name, wechat_app_id, &held.value, held.expires_at)
                    .await?;
                Ok(held)
            }
            Err(err) => {
                if let Err(release) = self
                    .store
                    .release_shared_credential(name, wechat_app_id, holder)
                    .await
                {
                    tracing::warn!(error = %release, credential = name, "could not release the lease");
                }
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_using_values_early() {
        assert_eq!(usable_for(7200), 6900);
        assert_eq!(usable_for(600), 300);
        assert_eq!(usable_for(5), 2);
    }
}
