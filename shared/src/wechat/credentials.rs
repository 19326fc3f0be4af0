//! Access tokens and jsapi tickets, fetched once and shared. WeChat's
//! quotas are small and a new token can evict the old one, so every
//! instance uses the value kept in DynamoDB; a warm instance keeps a copy in
//! memory. When the value is missing or expired, a conditional-write lease
//! lets exactly one caller fetch while the others poll for its result.
//! Values are kept per WeChat appid and fingerprint of its secret, so an
//! app that names another tenant's appid with a wrong secret never reads
//! that tenant's token: it has to fetch its own, which WeChat refuses.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngExt;
use sha2::{Digest, Sha256};

use super::upstream;
use crate::domain::{Error, ErrorKind, Secret, WechatAccount, clock};
use crate::store::{CredentialId, Store};

/// Stop using a value this long before WeChat says it expires: WeChat
/// rotates stable tokens about five minutes early.
const EXPIRY_MARGIN: i64 = 300;
/// How long a fetcher holds the lease.
const LEASE_SECONDS: u64 = 8;
/// How long a fetch may run under the lease: the lease less a second for
/// saving the value and a second because the lease ends on a whole second.
const FETCH_BUDGET: Duration = Duration::from_secs(LEASE_SECONDS - 2);
// A token fetch is one exchange, which must fit the budget.
const _: () = assert!(upstream::TIMEOUT.as_secs() <= FETCH_BUDGET.as_secs());
/// How long callers wait for another caller's fetch before giving up: by
/// then it has saved its value or its lease has ended.
const WAIT: Duration = Duration::from_secs(LEASE_SECONDS);
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

/// One credential of one WeChat account, e.g. ("access-token", "wx…" and
/// its secret).
#[derive(Clone, Copy)]
pub struct CredentialName<'a> {
    pub name: &'static str,
    pub account: &'a WechatAccount,
}

impl CredentialName<'_> {
    /// Where the table keeps it: by appid and a fingerprint of the secret,
    /// from which the secret cannot be recovered.
    fn id(&self) -> CredentialId {
        let digest = Sha256::new()
            .chain_update(b"oauthapp wechat secret\0")
            .chain_update(self.account.app_id.as_bytes())
            .chain_update(b"\0")
            .chain_update(self.account.secret.expose().as_bytes())
            .finalize();
        CredentialId {
            name: self.name,
            wechat_app_id: self.account.app_id.clone(),
            secret_fingerprint: hex::encode(&digest[..12]),
        }
    }
}

pub struct CredentialCache {
    store: Store,
    /// A warm instance's copies; the slot's lock also makes the instance's
    /// concurrent callers wait for one of them.
    slots: Mutex<HashMap<CredentialId, Slot>>,
}

impl CredentialCache {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            slots: Mutex::default(),
        }
    }

    fn slot(&self, id: &CredentialId) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        slots.entry(id.clone()).or_default().clone()
    }

    /// The current value, from memory, DynamoDB or, by one caller across
    /// all instances, `fetch`.
    pub async fn get<F: Future<Output = Result<Issued, Error>>>(
        &self,
        id: CredentialName<'_>,
        fetch: impl FnOnce() -> F,
    ) -> Result<Secret, Error> {
        let id = id.id();
        let slot = self.slot(&id);
        let mut held = slot.lock().await;
        if let Some(held) = held.as_ref().filter(|held| held.expires_at > clock::now()) {
            return Ok(held.value.clone());
        }
        let shared = self.shared(&id, fetch).await?;
        let value = shared.value.clone();
        *held = Some(shared);
        Ok(value)
    }

    /// Forgets `failed`, which WeChat refused; a newer value stays.
    pub async fn forget(&self, id: CredentialName<'_>, failed: &Secret) -> Result<(), Error> {
        let id = id.id();
        let slot = self.slot(&id);
        let mut held = slot.lock().await;
        if held.as_ref().is_some_and(|held| held.value == *failed) {
            *held = None;
        }
        self.store.drop_shared_credential(&id, failed).await?;
        Ok(())
    }

    async fn shared<F: Future<Output = Result<Issued, Error>>>(
        &self,
        id: &CredentialId,
        fetch: impl FnOnce() -> F,
    ) -> Result<Held, Error> {
        let holder = hex::encode(rand::rng().random::<[u8; 16]>());
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = clock::now();
            let item = self.store.shared_credential(id).await?;
            if let Some((value, expires_at)) = item.usable(now) {
                return Ok(Held {
                    value: value.clone(),
                    expires_at,
                });
            }
            if !item.leased(now)
                && self
                    .store
                    .lease_shared_credential(id, &holder, now, now + LEASE_SECONDS as i64)
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

    /// Fetches under the lease, for no longer than it lasts, and shares the
    /// value while the lease is still this holder's; a failed fetch gives
    /// the lease back so the next caller may try at once.
    async fn fetch_and_share<F: Future<Output = Result<Issued, Error>>>(
        &self,
        id: &CredentialId,
        holder: &str,
        fetch: impl FnOnce() -> F,
    ) -> Result<Held, Error> {
        let fetched = tokio::time::timeout(FETCH_BUDGET, fetch())
            .await
            .unwrap_or_else(|_| {
                Err(Error::new(
                    ErrorKind::Unavailable,
                    "WeChat did not hand out this app's credentials in time; retry in a moment.",
                ))
            });
        match fetched {
            Ok(issued) => {
                let held = Held {
                    expires_at: clock::now() + usable_for(issued.expires_in),
                    value: issued.value,
                };
                let saved = self
                    .store
                    .save_shared_credential(id, holder, &held.value, held.expires_at)
                    .await?;
                if !saved {
                    // Another caller holds the lease now: its value wins.
                    tracing::warn!(
                        credential = id.name,
                        "the lease ended before the credential was saved"
                    );
                }
                Ok(held)
            }
            Err(err) => {
                if let Err(release) = self.store.release_shared_credential(id, holder).await {
                    tracing::warn!(error = %release, credential = id.name, "could not release the lease");
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
    fn values_are_kept_per_appid_and_secret_without_the_secret() {
        let account = |secret: &str| WechatAccount {
            app_id: "wx0123456789abcdef".into(),
            secret: Secret::new(secret),
        };
        let id = |account: &WechatAccount| {
            CredentialName {
                name: "access-token",
                account,
            }
            .id()
        };
        let (right, wrong) = (account("right-secret"), account("wrong-secret"));
        assert_eq!(id(&right), id(&account("right-secret")));
        assert_ne!(id(&right), id(&wrong));
        assert_eq!(id(&right).secret_fingerprint.len(), 24);
        assert!(!format!("{:?}", id(&right)).contains("right-secret"));
    }

    #[test]
    fn stops_using_values_early() {
        assert_eq!(usable_for(7200), 6900);
        assert_eq!(usable_for(600), 300);
        assert_eq!(usable_for(5), 2);
    }
}
