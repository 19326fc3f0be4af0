//! Changing what a user signs in with. A password: an account with a user
//! name keeps it on that name's credential (read at every password
//! sign-in), an account known only by its addresses on the user item; a
//! new one ends the user's other sessions (or all of them) in the same
//! transaction, and so does a reset by code, which spends it. An address:
//! its guard moves to the new address with the user's field, or nothing
//! changes.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::write::TransactFailure;
use super::{CheckedCode, EndingOthers, Store, StoreError, User, delete_if, keys, number, put_if, text};
use crate::domain::verification::{Channel, Recipient};

/// How moving an address went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressChange {
    Changed,
    /// Another user verified the new address first.
    Taken,
    /// The user's address, the user or the code changed meanwhile.
    Raced,
}

impl Store {
    /// The write making verified `recipient` user `user_id`'s alone; its
    /// condition fails if another user holds it.
    pub(super) fn address_claim(
        &self,
        app_id: u64,
        recipient: &Recipient,
        user_id: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut guard = keys::address(app_id, recipient).item();
        guard.insert("userId".to_owned(), number(user_id));
        // Without a user id it holds only failed attempts at a free address.
        put_if(&self.table, guard, "attribute_not_exists(userId)")
    }

    /// The user's password hash, if they have a password.
    pub async fn password_hash(&self, user: &User) -> Result<Option<String>, StoreError> {
        match &user.user_name {
            Some(user_name) => Ok(self
                .login(user.app_id, user_name)
                .await?
                .filter(|login| login.user_id == Some(user.id))
                .and_then(|login| login.password_hash)),
            None => Ok(user.password_hash.clone()),
        }
    }

    /// Replaces the password of `user` (as read) with `hash`, ends their
    /// sessions but `ending.keep`, lifts the lockouts the password guards,
    /// and spends `code` if given: all or none. `Ok(false)` when the user,
    /// their user name or the code changed meanwhile.
    pub async fn set_password(
        &self,
        user: &User,
        hash: &str,
        ending: EndingOthers<'_>,
        code: Option<&CheckedCode>,
    ) -> Result<bool, StoreError> {
        let (app_id, user_id) = (user.app_id, user.id);
        let mut writes = Vec::new();
        let mut on_user = vec!["updatedAt = :now", "sessionsEndedAt = :now", "hasPassword = :yes"];
        let mut user_update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(app_id, user_id).item()))
            .expression_attribute_values(":now", number(ending.now))
            .expression_attribute_values(":yes", AttributeValue::Bool(true));
        match &user.user_name {
            Some(user_name) => {
                let login = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(keys::login(app_id, user_name).item()))
                    .update_expression("SET passwordHash = :hash REMOVE attempts, attemptsSince")
                    .condition_expression("userId = :user")
                    .expression_attribute_values(":hash", text(hash))
                    .expression_attribute_values(":user", number(user_id))
                    .build()?;
                writes.push(TransactWriteItem::builder().update(login).build());
            }
            None => {
                on_user.push("passwordHash = :hash");
                user_update = user_update.expression_attribute_values(":hash", text(hash));
            }
        }
        let mut removed = vec!["attempts", "attemptsSince"];
        match ending.keep {
            Some(kept) => {
                on_user.push("sessions = :kept");
                user_update = user_update
                    .expression_attribute_values(":kept", AttributeValue::Ss(vec![kept.to_owned()]));
            }
            None => removed.push("sessions"),
        }
        let user_update = user_update
            .update_expression(format!(
                "SET {} REMOVE {}",
                on_user.join(", "),
                removed.join(", ")
            ))
            .condition_expression("attribute_exists(pk)")
            .build()?;
        writes.push(TransactWriteItem::builder().update(user_update).build());
        if let Some(code) = code {
            writes.push(self.code_use(code)?);
        }
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            Err(failure) if failure.failed_conditions().contains(&true) => Ok(false),
            Err(failure) => Err(failure.into()),
        }
    }

    /// Makes `recipient`, proven by `code`, the verified address of its
    /// channel for `user` (as read): the new guard names the user, the old
    /// address's guard goes, the user's field changes (if still as read),
    /// and the code is spent, all or none. `typed`: the address as the
    /// user wrote it, for their profile.
    pub async fn change_address(
        &self,
        user: &User,
        (recipient, typed): (&Recipient, &str),
        code: &CheckedCode,
        now: i64,
    ) -> Result<AddressChange, StoreError> {
        let (app_id, user_id) = (user.app_id, user.id);
        let channel = recipient.channel();
        let (field, valid_field) = match channel {
            Channel::Email => ("email", "emailIsValid"),
            Channel::Sms => ("phone", "phoneIsValid"),
        };
        let (old, old_valid) = user.address(channel);
        let mut writes = vec![self.address_claim(app_id, recipient, user_id)?];
        if let (true, Ok(old_guard)) = (old_valid, Recipient::of(channel, old)) {
            writes.push(delete_if(
                &self.table,
                &keys::address(app_id, &old_guard),
                "userId = :user",
                [(":user".to_owned(), number(user_id))].into(),
            )?);
        }
        let user_update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(keys::user(app_id, user_id).item()))
            .update_expression("SET #field = :new, #valid = :yes, updatedAt = :now")
            .condition_expression("#field = :old AND #valid = :was")
            .expression_attribute_names("#field", field)
            .expression_attribute_names("#valid", valid_field)
            .expression_attribute_values(":new", text(typed))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":now", number(now))
            .expression_attribute_values(":old", text(old))
            .expression_attribute_values(":was", AttributeValue::Bool(old_valid))
            .build()?;
        writes.push(TransactWriteItem::builder().update(user_update).build());
        writes.push(self.code_use(code)?);
        match self.transact(writes).await {
            Ok(()) => Ok(AddressChange::Changed),
            Err(failure) => raced_or_taken(failure),
        }
    }
}

/// The new address's guard is the first write: its failure means taken.
fn raced_or_taken(failure: TransactFailure) -> Result<AddressChange, StoreError> {
    let failed = failure.failed_conditions();
    if failed.first() == Some(&true) {
        Ok(AddressChange::Taken)
    } else if failed.contains(&true) {
        Ok(AddressChange::Raced)
    } else {
        Err(failure.into())
    }
}
