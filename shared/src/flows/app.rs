//! The app a request names: by a numeric id (legacy paths) or by its key
//! (v1 paths). The id is known before any handler runs; the app itself is
//! read only by the handlers that need it, often together with other items.

use crate::domain::{App, Error};
use crate::store::Store;

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

/// The app of a request: its id, and how the path named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppRef {
    pub id: u64,
    address: AppAddress,
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
        Ok(Self { id, address })
    }

    /// The app as read (with other items, perhaps), or the 404 every
    /// endpoint gives.
    pub fn known(&self, app: Option<App>) -> Result<App, Error> {
        app.ok_or_else(|| self.unknown())
    }

    /// The 404 of an app that does not exist, naming it as the path did.
    pub fn unknown(&self) -> Error {
        self.address.unknown()
    }

    pub async fn load(&self, store: &Store) -> Result<App, Error> {
        self.known(store.app(self.id).await?)
    }
}
