//! External accounts bound to a user. Each binding is two items written
//! together: the (platform, unionID) guard, which makes the pair unique in
//! the app and is what sign-in reads, and the record in the user's
//! partition, which lists the user's bindings with one consistent Query.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::sessions::string_set;
use super::write::SetGiven;
use super::{
    Binding, Store, StoreError, UnionIdOwner, User, boolean, delete_if, item_of, keys, number, put_if, text,
};

/// Attempts at a binding change that keeps losing races before giving up.
const MAX_ATTEMPTS: usize = 10;

/// An external account to bind, already validated.
#[derive(Debug, Clone)]
pub struct NewBinding {
    pub platform: String,
    pub union_id: String,
    pub platform_name: String,
    pub avatar: String,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// A new, enabled binding.
    New(Binding),
    /// The caller owned the pair already; nothing changed.
    Already,
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("the platform and union id belong to another user")]
    Taken,
    #[error("the user does not exist")]
    UserGone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to do with one binding; `None` fields stay as they are.
#[derive(Debug, Clone)]
pub enum BindingChange {
    Update {
        avatar: Option<String>,
        data: Option<String>,
        enable: Option<bool>,
    },
    Remove,
}

#[derive(Debug, thiserror::Error)]
pub enum BindingChangeError {
    #[error("the user has no binding with this id")]
    NotFound,
    /// The change would leave the user no way to sign in.
    #[error("the binding is the user's last way to sign in")]
    LastSignIn,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// The guard and record puts of `binding`; the guard put fails if the
    /// pair is owned already, and then returns the owner.
    pub(super) fn binding_writes(
        &self,
        app_id: u64,
        binding: &Binding,
    ) -> Result<(TransactWriteItem, TransactWriteItem), StoreError> {
        let owner = UnionIdOwner {
            user_id: binding.user_id,
            binding_id: binding.id,
            enable: binding.enable,
            lockout: Default::default(),
        };
        let guard_key = keys::union_id(app_id, &binding.platform, &binding.union_id);
        let guard = TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item_of(&guard_key, &owner, &[])?))
                    .condition_expression("attribute_not_exists(pk)")
                    .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                    .build()?,
            )
            .build();
        let record_key = keys::binding(app_id, binding.user_id, binding.id);
        let record = put_if(
            &self.table,
            item_of(&record_key, binding, &[])?,
            "attribute_not_exists(pk)",
        )?;
        Ok((guard, record))
    }

    /// Binds (platform, unionID) to `user` (as last read), numbering the
    /// binding from the user's sequence.
    pub async fn bind(
        &self,
        app_id: u64,
        user: &User,
        new: NewBinding,
        now: i64,
    ) -> Result<Bound, BindError> {
        let mut sequence = user.binding_sequence;
        for _ in 0..MAX_ATTEMPTS {
            let binding = Binding {
                id: sequence + 1,
                user_id: user.id,
                platform: new.platform.clone(),
                platform_name: new.platform_name.clone(),
                union_id: new.union_id.clone(),
                avatar: new.avatar.clone(),
                data: new.data.clone(),
                enable: true,
                created_at: now,
                updated_at: now,
            };
            // The sequence moves only if nobody numbered a binding meanwhile
            // (users created before bindings existed have no sequence yet).
            let seen = if sequence == 0 {
                "(attribute_not_exists(bindingSequence) OR bindingSequence = :seen)"
            } else {
                "bindingSequence = :seen"
            };
            let number_it = Update::builder()
                .table_name(&self.table)
                .set_key(Some(keys::user(app_id, user.id).item()))
                .update_expression("SET bindingSequence = :next")
                .condition_expression(format!("attribute_exists(pk) AND {seen}"))
                .expression_attribute_values(":next", number(binding.id))
                .expression_attribute_values(":seen", number(sequence));
            let (guard, record) = self.binding_writes(app_id, &binding)?;
            let writes = vec![
                TransactWriteItem::builder()
                    .update(number_it.build().map_err(StoreError::from)?)
                    .build(),
                guard,
                record,
            ];
            let failure = match self.transact(writes).await {
                Ok(()) => return Ok(Bound::New(binding)),
                Err(failure) => failure,
            };
            if let Some(owner) = failure.item_of_failed(1) {
                let owner: UnionIdOwner = serde_dynamo::from_item(owner.clone()).map_err(StoreError::from)?;
                return if owner.user_id == user.id {
                    Ok(Bound::Already)
                } else {
                    Err(BindError::Taken)
                };
            }
            if !failure.lost_race() {
                return Err(StoreError::from(failure).into());
            }
            sequence = self
                .user(app_id, user.id)
                .await?
                .ok_or(BindError::UserGone)?
                .binding_sequence;
        }
        Err(StoreError::Unavailable("binding numbers kept changing".to_owned()).into())
    }

    /// Every binding of a user, oldest first.
    pub async fn bindings(&self, app_id: u64, user_id: u64) -> Result<Vec<Binding>, StoreError> {
        let items = self
            .query_prefix(&keys::user_partition(app_id, user_id), keys::BINDING_PREFIX)
            .await?;
        Ok(serde_dynamo::from_items(items)?)
    }

    /// Updates or removes binding `id` of a user. Disabling or removing the
    /// user's last way to sign in (no password, no other enabled binding) is
    /// refused; the transaction checks the binding it relies on, so two
    /// concurrent changes cannot both remove "the other one".
    pub async fn change_binding(
        &self,
        app_id: u64,
        user_id: u64,
        id: u64,
        change: BindingChange,
        now: i64,
    ) -> Result<(), BindingChangeError> {
        for _ in 0..MAX_ATTEMPTS {
            let (user, bindings, sessions) = tokio::try_join!(
                self.user(app_id, user_id),
                self.bindings(app_id, user_id),
                self.sessions_of(app_id, user_id)
            )?;
            let user = user.ok_or(BindingChangeError::NotFound)?;
            let target = bindings
                .iter()
                .find(|binding| binding.id == id)
                .ok_or(BindingChangeError::NotFound)?;
            let ends_sign_in = target.enable
                && match &change {
                    BindingChange::Remove => true,
                    BindingChange::Update { enable, .. } => *enable == Some(false),
                };
            let mut writes = Vec::new();
            if ends_sign_in && !user.has_password {
                let other = bindings
                    .iter()
                    .find(|binding| binding.id != id && binding.enable)
                    .ok_or(BindingChangeError::LastSignIn)?;
                writes.push(
                    TransactWriteItem::builder()
                        .condition_check(
                            ConditionCheck::builder()
                                .table_name(&self.table)
                                .set_key(Some(keys::binding(app_id, user_id, other.id).item()))
                                .condition_expression("#enable = :yes")
                                .expression_attribute_names("#enable", "enable")
                                .expression_attribute_values(":yes", boolean(true))
                                .build()
                                .map_err(StoreError::from)?,
                        )
                        .build(),
                );
            }
            // The sessions that signed in with it end in the same write.
            let ending: Vec<String> = sessions
                .into_iter()
                .filter(|session| ends_sign_in && session.binding == Some(id))
                .map(|session| session.id)
                .collect();
            writes.extend(self.binding_change_writes(app_id, &user, target, &change, now, &ending)?);
            match self.transact(writes).await {
                Ok(()) => return Ok(()),
                Err(failure) if failure.lost_race() => {}
                Err(failure) => return Err(StoreError::from(failure).into()),
            }
        }
        Err(StoreError::Unavailable("the user's bindings kept changing".to_owned()).into())
    }

    /// The writes applying `change` to `target`, each conditioned on the
    /// item being as read.
    fn binding_change_writes(
        &self,
        app_id: u64,
        user: &User,
        target: &Binding,
        change: &BindingChange,
        now: i64,
        ending: &[String],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let record_key = keys::binding(app_id, user.id, target.id);
        let guard_key = keys::union_id(app_id, &target.platform, &target.union_id);
        // The guard must still be this binding's: a pair removed and bound
        // again meanwhile belongs to someone else.
        let owned = "userId = :user AND bindingId = :binding";
        let owner = HashMap::from([
            (":user".to_owned(), number(user.id)),
            (":binding".to_owned(), number(target.id)),
        ]);
        let mut writes = self.session_deletes(app_id, user.id, ending)?;
        let user_key = keys::user(app_id, user.id);
        let ended = (!ending.is_empty()).then(|| string_set(ending.iter().cloned()));
        let mut user_updated = false;
        match change {
            BindingChange::Remove => {
                writes.push(delete_if(
                    &self.table,
                    &record_key,
                    "attribute_exists(pk)",
                    HashMap::new(),
                )?);
                writes.push(delete_if(&self.table, &guard_key, owned, owner)?);
                // The profile stops naming a unionID that someone else may
                // now bind.
                if user.union_id.as_deref() == Some(target.union_id.as_str())
                    && user.platform == target.platform
                {
                    let mut values = HashMap::from([
                        (":union".to_owned(), text(&target.union_id)),
                        (":now".to_owned(), number(now)),
                    ]);
                    let mut expression = "REMOVE unionId SET updatedAt = :now".to_owned();
                    if let Some(ended) = ended.clone() {
                        values.insert(":ended".to_owned(), ended);
                        expression.push_str(" DELETE sessions :ended");
                    }
                    writes.push(
                        TransactWriteItem::builder()
                            .update(
                                Update::builder()
                                    .table_name(&self.table)
                                    .set_key(Some(user_key.item()))
                                    .update_expression(expression)
                                    .condition_expression("unionId = :union")
                                    .set_expression_attribute_values(Some(values))
                                    .build()?,
                            )
                            .build(),
                    );
                    user_updated = true;
                }
            }
            BindingChange::Update { avatar, data, enable } => {
                let given = SetGiven::default()
                    .field("updatedAt", Some(number(now)))
                    .field("avatar", avatar.as_deref().map(text))
                    .field("data", data.as_deref().map(text))
                    .field("enable", enable.map(boolean));
                if let Some(enable) = enable {
                    writes.push(
                        TransactWriteItem::builder()
                            .update(
                                Update::builder()
                                    .table_name(&self.table)
                                    .set_key(Some(guard_key.item()))
                                    .update_expression("SET #enable = :enable")
                                    .condition_expression(owned)
                                    .expression_attribute_names("#enable", "enable")
                                    .set_expression_attribute_values(Some(owner))
                                    .expression_attribute_values(":enable", boolean(*enable))
                                    .build()?,
                            )
                            .build(),
                    );
                }
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(record_key.item()))
                    .condition_expression("attribute_exists(pk)");
                writes.push(
                    TransactWriteItem::builder()
                        .update(given.on(update).build()?)
                        .build(),
                );
            }
        }
        // A transaction writes an item once: where the user item is not
        // updated above, the sessions leave it on their own.
        if !user_updated {
            writes.extend(self.sessions_ended(app_id, user.id, ending, None)?);
        }
        Ok(writes)
    }
}
