//! Sessions (see `domain::session`): one item each in the user's partition,
//! and the user item's `sessions`, the string set of the live ones, which
//! every Bearer request reads with the user. Starting and ending a session
//! write both in one transaction, so a session is live exactly while both
//! say so.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};

use super::write::condition_held;
use super::{App, Item, MAX_TRANSACT_ITEMS, Store, StoreError, User, item_of, keys, number, put_if, text};
use crate::domain::session::{Session, SessionPolicy};

/// What starting a session came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    Started,
    /// The user has `max_per_user` live sessions: end some first.
    Full,
    /// The user is gone.
    NoUser,
}

pub(super) fn string_set(values: impl IntoIterator<Item = String>) -> AttributeValue {
    AttributeValue::Ss(values.into_iter().collect())
}

impl Store {
    /// Writes `session` and adds it to its user's live sessions, unless the
    /// user has `policy.max_per_user` already.
    pub async fn start_session(
        &self,
        session: &Session,
        policy: &SessionPolicy,
    ) -> Result<Started, StoreError> {
        let writes = vec![
            put_if(&self.table, self.session_item(session)?, "attribute_not_exists(pk)")?,
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(keys::user(session.app_id, session.user_id).item()))
                        .update_expression("ADD sessions :session")
                        .condition_expression(
                            "attribute_exists(pk) AND (attribute_not_exists(sessions) OR size(sessions) < :max)",
                        )
                        .expression_attribute_values(":session", string_set([session.id.clone()]))
                        .expression_attribute_values(":max", number(policy.max_per_user))
                        .build()?,
                )
                .build(),
        ];
        match self.transact(writes).await {
            Ok(()) => Ok(Started::Started),
            Err(failure) if failure.failed_conditions().get(1) == Some(&true) => {
                match self.user(session.app_id, session.user_id).await? {
                    Some(_) => Ok(Started::Full),
                    None => Ok(Started::NoUser),
                }
            }
            Err(failure) => Err(failure.into()),
        }
    }

    /// A session's item. TTL deletes it at its absolute end; one that ended
    /// earlier is deleted when it ends, or refused while idle.
    pub(super) fn session_item(&self, session: &Session) -> Result<Item, StoreError> {
        let key = keys::session(session.app_id, session.user_id, &session.id);
        let mut item = item_of(&key, session, &[])?;
        item.insert(keys::TTL.to_owned(), number(session.expires_at));
        Ok(item)
    }

    /// The app, the user and their session `session_id`, in one request.
    pub async fn app_user_and_session(
        &self,
        app_id: u64,
        user_id: u64,
        session_id: &str,
    ) -> Result<(Option<App>, Option<User>, Option<Session>), StoreError> {
        let (app_key, user_key) = (keys::app(app_id), keys::user(app_id, user_id));
        let session_key = keys::session(app_id, user_id, session_id);
        let mut found = self
            .get_many(&[app_key.clone(), user_key.clone(), session_key.clone()])
            .await?;
        Ok((
            self.take_app(&mut found, &app_key)?,
            Self::take(&mut found, &user_key)?,
            Self::take(&mut found, &session_key)?,
        ))
    }

    /// The user's sessions, oldest first, ended ones that TTL has not
    /// deleted yet included (they are no longer among the user's live ones).
    pub async fn sessions_of(&self, app_id: u64, user_id: u64) -> Result<Vec<Session>, StoreError> {
        let items = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", text(keys::user_partition(app_id, user_id)))
            .expression_attribute_values(":prefix", text(keys::SESSION_PREFIX))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await?;
        Ok(serde_dynamo::from_items(items)?)
    }

    /// The ids of the user's stored sessions, oldest first.
    pub async fn session_ids_of(&self, app_id: u64, user_id: u64) -> Result<Vec<String>, StoreError> {
        let mut ids: Vec<String> = self
            .sessions_of(app_id, user_id)
            .await?
            .into_iter()
            .map(|session| session.id)
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Saves a session a refresh changed, if nobody wrote it since it was
    /// read (its `version`); `Ok(false)` otherwise, or when it has ended.
    pub async fn save_session(&self, session: &Session) -> Result<bool, StoreError> {
        let mut saved = session.clone();
        saved.version += 1;
        let item = self.session_item(&saved)?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("version = :read")
            .expression_attribute_values(":read", number(session.version))
            .send()
            .await;
        condition_held(result)
    }

    /// Deletes of the items of the user's sessions `session_ids`, for a
    /// transaction that also takes them from the user's live sessions.
    pub(super) fn session_deletes(
        &self,
        app_id: u64,
        user_id: u64,
        session_ids: &[String],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        session_ids
            .iter()
            .map(|id| {
                Ok(TransactWriteItem::builder()
                    .delete(
                        Delete::builder()
                            .table_name(&self.table)
                            .set_key(Some(keys::session(app_id, user_id, id).item()))
                            .build()?,
                    )
                    .build())
            })
            .collect()
    }

    /// Ends the user's sessions `session_ids`: their items go, and they
    /// leave the user's live sessions, together. With `everything_before`,
    /// tokens issued before sessions existed and before that time are
    /// refused too (see `User::session_is_live`).
    /// The update of the user item that takes `session_ids` from its live
    /// sessions and, with `everything_before`, refuses every older token;
    /// none when there is nothing to change.
    pub(super) fn sessions_ended(
        &self,
        app_id: u64,
        user_id: u64,
        session_ids: &[String],
        everything_before: Option<i64>,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(app_id, user_id).item()))
            .condition_expression("attribute_exists(pk)");
        let mut actions = Vec::new();
        if let Some(at) = everything_before {
            actions.push("SET sessionsEndedAt = :at");
            update = update.expression_attribute_values(":at", number(at));
        }
        if !session_ids.is_empty() {
            actions.push("DELETE sessions :ended");
            update = update.expression_attribute_values(":ended", string_set(session_ids.iter().cloned()));
        }
        if actions.is_empty() {
            return Ok(None);
        }
        let update = update.update_expression(actions.join(" ")).build()?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
    }

    pub async fn end_sessions(
        &self,
        app_id: u64,
        user_id: u64,
        session_ids: &[String],
        everything_before: Option<i64>,
    ) -> Result<(), StoreError> {
        let chunks: Vec<&[String]> = if session_ids.is_empty() {
            vec![&[]]
        } else {
            session_ids.chunks(MAX_TRANSACT_ITEMS - 1).collect()
        };
        for chunk in chunks {
            let mut writes = self.session_deletes(app_id, user_id, chunk)?;
            let Some(update) = self.sessions_ended(app_id, user_id, chunk, everything_before)? else {
                continue;
            };
            writes.push(update);
            match self.transact(writes).await {
                Ok(()) => {}
                // The user is gone, and their sessions with them.
                Err(failure) if failure.failed_conditions().last() == Some(&true) => return Ok(()),
                Err(failure) => return Err(failure.into()),
            }
        }
        Ok(())
    }
}
