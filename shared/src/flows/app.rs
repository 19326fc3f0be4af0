//! The app a request names: by a numeric id (legacy paths) or by its key
//! (v1 paths). The id is known before any handler runs; the app itself is
//! read only by the handlers that need it, often together with other items.

use std::future::Future;
use std::sync::OnceLock;

use crate::domain::{App, Error};
use crate::store::{Store, StoreError};

/// How a path names the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppAddress {
    Id(u64),
    Key(String),
}

impl AppAddress {
    /// The 404 for an app that does not exist.
    fn unknown(&self) -> Error {
        match self {
            AppAddress::Id(id) => Error::not_found(format!("There is no app with id {id}.")),
            AppAddress::Key(key) => Error::not_found(format!("There is no app with key {key:?}.")),
        }
    }
}

/// The app of a request: its id, how the path named it, and the app once
/// read by `load`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRef {
    pub id: u64,
    address: AppAddress,
    loaded: OnceLock<App>,
}

impl AppRef {
    /// The app `address` names: no read for an id, one read of the key's
    /// guard for a key the instance has not seen. The app itself may be
    /// gone; the reads that need it find out.
    pub async fn resolve(address: AppAddress, store: &Store) -> Result<Self, Error> {
        let id = match &address {
            AppAddress::Id(id) => *id,
            AppAddress::Key(key) => store.app_id_by_key(key).await?.ok_or_else(|| address.unknown())?,
        };
        Ok(Self {
            id,
            address,
            loaded: OnceLock::new(),
        })
    }

    /// The app as read (with other items, perhaps), or the 404 every
    /// endpoint gives. Read once, it is the request's: `load` reads no more.
    pub fn known(&self, app: Option<App>) -> Result<App, Error> {
        let app = app.ok_or_else(|| self.unknown())?;
        Ok(self.loaded.get_or_init(|| app).clone())
    }

    /// The 404 of an app that does not exist, naming it as the path did.
    pub fn unknown(&self) -> Error {
        self.address.unknown()
    }

    /// The app, read once per request: a rate limit that read it before
    /// the handler ran leaves the handler nothing to read.
    pub async fn load(&self, store: &Store) -> Result<App, Error> {
        if let Some(app) = self.loaded.get() {
            return Ok(app.clone());
        }
        self.known(store.app(self.id).await?)
    }

    /// The app and another item: `alone` reads the item when the app was
    /// read already, `together` reads both in one request otherwise.
    pub async fn load_with<T>(
        &self,
        alone: impl Future<Output = Result<T, StoreError>>,
        together: impl Future<Output = Result<(Option<App>, T), StoreError>>,
    ) -> Result<(App, T), Error> {
        if let Some(app) = self.loaded.get() {
            return Ok((app.clone(), alone.await?));
        }
        let (app, other) = together.await?;
        Ok((self.known(app)?, other))
    }
}
