//! Users: created with their uniqueness guards in one transaction, read by
//! id, found by user name or (platform, unionID), listed per app.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::profile::{Birthday, ProfileDetails, SignInSwitches};
use crate::domain::session::Session;
use crate::domain::verification::Recipient;

use super::write::{SetGiven, condition_held};
use super::{
    App, Binding, CheckedCode, Key, PointTotals, Store, StoreError, TwoFactorState, UnionIdOwner, User,
    item_of, keys, number, put_if, text,
};

/// A user to create. The password, when given, is already hashed.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub user_name: Option<String>,
    pub password_hash: Option<String>,
    pub platform: String,
    pub union_id: Option<String>,
    pub phone: String,
    pub phone_is_valid: bool,
    pub email: String,
    pub email_is_valid: bool,
    pub nick_name: String,
    pub avatar: String,
    pub data: Option<String>,
    pub wechat_open_id: Option<String>,
    pub wechat_union_id: Option<String>,
    /// Verification codes the sign-up spends, in its transaction.
    pub codes: Vec<CheckedCode>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("the user name is taken")]
    UserNameTaken,
    #[error("the platform and union id belong to another user")]
    UnionIdTaken,
    #[error("the verified email address belongs to another user")]
    EmailTaken,
    #[error("the verified phone number belongs to another user")]
    PhoneTaken,
    #[error("a verification code was used or replaced meanwhile")]
    CodeUsed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Profile fields a user may change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileChanges {
    pub avatar: Option<String>,
    pub data: Option<String>,
    pub nick_name: Option<String>,
    pub details: ProfileDetails,
    /// `Some(None)` clears the birthday.
    pub birthday: Option<Option<Birthday>>,
    /// The switches as they are to be, and as they were read when checked:
    /// written only if still so, so two changes at once cannot each switch
    /// off a different last way in.
    pub switches: Option<(SignInSwitches, SignInSwitches)>,
}

/// One page of an app's users, and where the next starts.
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next: Option<u64>,
}

/// The role every new user gets.
const DEFAULT_ROLE: &str = "user";

impl Store {
    /// Creates the user, its user-name credential, and its union-id guard
    /// with the binding that lists it, in one transaction: either all exist
    /// afterwards or none does.
    pub async fn create_user(&self, app_id: u64, new: NewUser, now: i64) -> Result<User, CreateUserError> {
        let (user, ()) = self.create_signed_in_user(app_id, new, now, |_| None).await?;
        Ok(user)
    }

    /// As `create_user`, with the first session `start` makes for the new
    /// user (and whatever else it returns) in the same transaction: a
    /// sign-up leaves a user who is signed in, or nothing.
    pub async fn create_signed_in_user<T: Default>(
        &self,
        app_id: u64,
        new: NewUser,
        now: i64,
        start: impl FnOnce(&User) -> Option<(Session, T)>,
    ) -> Result<(User, T), CreateUserError> {
        let id = self.next_in_sequence(&keys::user_sequence(app_id)).await?;
        // A union-id sign-up binds its pair as the user's first binding.
        let binding_sequence = u64::from(new.union_id.is_some());
        let mut user = User {
            app_id,
            id,
            user_name: new.user_name,
            platform: new.platform,
            union_id: new.union_id,
            phone: new.phone,
            phone_is_valid: new.phone_is_valid,
            email: new.email,
            email_is_valid: new.email_is_valid,
            nick_name: new.nick_name,
            avatar: new.avatar,
            data: new.data,
            details: ProfileDetails::default(),
            birthday: None,
            switches: SignInSwitches::default(),
            role: DEFAULT_ROLE.to_owned(),
            has_password: new.password_hash.is_some(),
            created_at: now,
            updated_at: now,
            points: PointTotals::default(),
            binding_sequence,
            wechat_open_id: new.wechat_open_id,
            wechat_union_id: new.wechat_union_id,
            two_factor: TwoFactorState::default(),
            sessions: Vec::new(),
            password_hash: None,
            sessions_ended_at: None,
        };
        let user_key = keys::user(app_id, id);
        let index = [
            (keys::GSI1_PK, keys::users_of_app(app_id)),
            (keys::GSI1_SK, keys::user_in_app(id)),
        ];
        let started = start(&user);
        let mut user_item = item_of(&user_key, &user, &index)?;
        let mut writes = Vec::new();
        // Which write guards what, to read the cancellation reasons.
        let mut guards = Vec::new();
        if let Some((session, _)) = &started {
            user.sessions = vec![session.id.clone()];
            user_item.insert("sessions".to_owned(), AttributeValue::Ss(user.sessions.clone()));
            writes.push(put_if(
                &self.table,
                self.session_item(session)?,
                "attribute_not_exists(pk)",
            )?);
            guards.push(None);
        }
        // Without a user name, the password is kept on the user item.
        if let (None, Some(hash)) = (&user.user_name, &new.password_hash) {
            user_item.insert("passwordHash".to_owned(), text(hash.clone()));
        }
        writes.push(put_if(&self.table, user_item, "attribute_not_exists(pk)")?);
        guards.push(None);
        if let Some(user_name) = &user.user_name {
            let mut login = keys::login(app_id, user_name).item();
            login.insert("userId".to_owned(), number(id));
            if let Some(hash) = new.password_hash {
                login.insert("passwordHash".to_owned(), text(hash));
            }
            // A credential item without a user id holds only failed attempts
            // at a free name; it may be replaced.
            writes.push(put_if(&self.table, login, "attribute_not_exists(userId)")?);
            guards.push(Some(CreateUserError::UserNameTaken));
        }
        if let Some(union_id) = &user.union_id {
            let binding = Binding {
                id: user.binding_sequence,
                user_id: id,
                platform: user.platform.clone(),
                platform_name: user.platform.clone(),
                union_id: union_id.clone(),
                avatar: user.avatar.clone(),
                data: String::new(),
                enable: true,
                created_at: now,
                updated_at: now,
            };
            let (guard, record) = self.binding_writes(app_id, &binding)?;
            writes.extend([guard, record]);
            guards.extend([Some(CreateUserError::UnionIdTaken), None]);
        }
        // A verified address is the user's alone: its guard names them.
        for (valid, recipient, taken) in [
            (
                user.email_is_valid,
                Recipient::email(&user.email).ok(),
                CreateUserError::EmailTaken,
            ),
            (
                user.phone_is_valid,
                Recipient::phone(&user.phone).ok(),
                CreateUserError::PhoneTaken,
            ),
        ] {
            if let (true, Some(recipient)) = (valid, recipient) {
                writes.push(self.address_claim(app_id, &recipient, id)?);
                guards.push(Some(taken));
            }
        }
        for code in &new.codes {
            writes.push(self.code_use(code)?);
            guards.push(Some(CreateUserError::CodeUsed));
        }
        match self.transact(writes).await {
            Ok(()) => Ok((user, started.map(|(_, extra)| extra).unwrap_or_default())),
            Err(failure) => {
                let failed = failure.failed_conditions();
                if let Some(guard) = guards
                    .into_iter()
                    .zip(failed)
                    .find_map(|(guard, failed)| guard.filter(|_| failed))
                {
                    return Err(guard);
                }
                Err(CreateUserError::Store(failure.into()))
            }
        }
    }

    pub async fn user(&self, app_id: u64, user_id: u64) -> Result<Option<User>, StoreError> {
        self.get(&keys::user(app_id, user_id)).await
    }

    /// The app and one of its users, in one request.
    pub async fn app_and_user(
        &self,
        app_id: u64,
        user_id: u64,
    ) -> Result<(Option<App>, Option<User>), StoreError> {
        self.app_and(app_id, &keys::user(app_id, user_id)).await
    }

    /// The app and the owner of (platform, unionID), in one request.
    pub async fn app_and_union_id_owner(
        &self,
        app_id: u64,
        platform: &str,
        union_id: &str,
    ) -> Result<(Option<App>, Option<UnionIdOwner>), StoreError> {
        self.app_and(app_id, &keys::union_id(app_id, platform, union_id))
            .await
    }

    /// The owner of (platform, unionID), if any.
    pub async fn union_id_owner(
        &self,
        app_id: u64,
        platform: &str,
        union_id: &str,
    ) -> Result<Option<UnionIdOwner>, StoreError> {
        self.get(&keys::union_id(app_id, platform, union_id)).await
    }

    /// Records the user's mini-program openid and the unionid the same
    /// login code proved (none drops an earlier one); `Ok(false)` when the
    /// user is gone.
    pub async fn remember_wechat_open_id(
        &self,
        app_id: u64,
        user_id: u64,
        open_id: &str,
        union_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let request = self
            .update(&keys::user(app_id, user_id))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":openid", text(open_id));
        let request = match union_id {
            Some(union_id) => request
                .update_expression("SET wechatOpenId = :openid, wechatUnionId = :unionid")
                .expression_attribute_values(":unionid", text(union_id)),
            None => request.update_expression("SET wechatOpenId = :openid REMOVE wechatUnionId"),
        };
        condition_held(request.send().await)
    }

    /// The owner of (platform, unionID) and their user, when the app is
    /// known already.
    pub async fn user_by_union_id(
        &self,
        app_id: u64,
        platform: &str,
        union_id: &str,
    ) -> Result<Option<(UnionIdOwner, User)>, StoreError> {
        let Some(owner) = self.union_id_owner(app_id, platform, union_id).await? else {
            return Ok(None);
        };
        Ok(self.user(app_id, owner.user_id).await?.map(|user| (owner, user)))
    }

    /// Applies `changes`; `Ok(false)` when there is no such user, or when
    /// it changed since its switches were read.
    pub async fn update_profile(
        &self,
        app_id: u64,
        user_id: u64,
        changes: ProfileChanges,
        now: i64,
    ) -> Result<bool, StoreError> {
        let mut given = SetGiven::default()
            .field("updatedAt", Some(number(now)))
            .field("avatar", changes.avatar.map(text))
            .field("data", changes.data.map(text))
            .field("nickName", changes.nick_name.map(text));
        for (name, value) in changes.details.given() {
            given = given.field(name, Some(text(value)));
        }
        given = match changes.birthday {
            Some(Some(birthday)) => given.field("birthday", Some(text(birthday.stored()))),
            cleared => given.clear("birthday", cleared.is_some()),
        };
        let mut request = self.update(&keys::user(app_id, user_id));
        request = match changes.switches {
            Some((next, read)) => {
                let mut unchanged = vec!["attribute_exists(pk)".to_owned()];
                for (index, ((name, next), (_, read))) in
                    next.named().into_iter().zip(read.named()).enumerate()
                {
                    given = given.field(name, Some(AttributeValue::Bool(next)));
                    // Unset reads as on.
                    unchanged.push(if read {
                        format!("(attribute_not_exists({name}) OR {name} = :on{index})")
                    } else {
                        format!("{name} = :on{index}")
                    });
                    request = request
                        .expression_attribute_values(format!(":on{index}"), AttributeValue::Bool(read));
                }
                request.condition_expression(unchanged.join(" AND "))
            }
            None => request.condition_expression("attribute_exists(pk)"),
        };
        condition_held(given.on(request).send().await)
    }

    /// Up to `limit` users of an app in id order, starting after `after`:
    /// their keys from the index, then the users themselves, at most
    /// `MAX_BATCH_KEYS` a page.
    pub async fn list_users(
        &self,
        app_id: u64,
        after: Option<u64>,
        limit: i32,
    ) -> Result<UserPage, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::USERS_INDEX)
            .key_condition_expression("gsi1pk = :app AND gsi1sk > :after")
            .expression_attribute_values(":app", text(keys::users_of_app(app_id)))
            .expression_attribute_values(":after", text(keys::user_in_app(after.unwrap_or(0))))
            .limit(limit.min(super::MAX_BATCH_KEYS))
            .send()
            .await?;
        let listed: Vec<Key> = output
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|item| match (item.get(keys::PK), item.get(keys::SK)) {
                (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => Some(Key {
                    pk: pk.clone(),
                    sk: sk.clone(),
                }),
                _ => None,
            })
            .collect();
        let mut found = if listed.is_empty() {
            Default::default()
        } else {
            self.get_many(&listed).await?
        };
        let mut users = Vec::with_capacity(listed.len());
        for key in &listed {
            // A user removed since the index listed them is no longer one.
            if let Some(user) = Self::take::<User>(&mut found, key)? {
                users.push(user);
            }
        }
        let next = output
            .last_evaluated_key
            .is_some()
            .then(|| users.last().map(|user| user.id))
            .flatten();
        Ok(UserPage { users, next })
    }
}
