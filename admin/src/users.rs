//! `users`: look at an app's users, and act for them.

use clap::Subcommand;
use oauthapp_shared::domain::{User, clock};
use oauthapp_shared::flows::session;
use oauthapp_shared::store::{Erasure, Store};
use serde_json::{Value, json};
use time::UtcOffset;

use crate::apps;
use crate::output::CliError;

#[derive(Subcommand)]
pub enum Command {
    /// Lists an app's users in id order, without their data.
    List {
        app_id: u64,
        /// Most users to list.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: u16,
        /// Start after the user with this id.
        #[arg(long)]
        after: Option<u64>,
    },
    /// Shows one user, with its data and external accounts.
    Show { app_id: u64, user_id: u64 },
    /// Turns a user's two-factor sign-in off, for someone who lost their
    /// authenticator (verify who they are first). They may enrol again.
    ResetTwoFactor { app_id: u64, user_id: u64 },
    /// Ends all of a user's sessions in the app: their refresh tokens and
    /// access tokens stop working at once (a stolen phone, a compromise).
    SignOut { app_id: u64, user_id: u64 },
    /// Deletes a user for good, as their own DeactivateHard does: the
    /// account, its credentials, bindings and sessions; their user name,
    /// union ids and addresses are free afterwards. Run again, it finishes
    /// an erasure that stopped half-way.
    Delete { app_id: u64, user_id: u64 },
}

pub async fn run(store: &Store, offset: UtcOffset, command: Command) -> Result<Value, CliError> {
    match command {
        Command::List { app_id, limit, after } => list(store, offset, app_id, limit, after).await,
        Command::Show { app_id, user_id } => {
            let user = store
                .user(app_id, user_id)
                .await?
                .ok_or_else(|| no_user(app_id, user_id))?;
            let mut shown = shown(&user, offset);
            shown["data"] = json!(user.data);
            let bindings = store.bindings(app_id, user_id).await?;
            shown["externalAccounts"] = bindings
                .iter()
                .map(|binding| {
                    json!({
                        "id": binding.id,
                        "platform": binding.platform,
                        "unionID": binding.union_id,
                        "enable": binding.enable,
                    })
                })
                .collect();
            Ok(shown)
        }
        Command::ResetTwoFactor { app_id, user_id } => {
            // Ends their sessions too: whoever holds the lost
            // authenticator signs in nowhere.
            if !store.reset_two_factor(app_id, user_id, clock::now()).await? {
                return Err(no_user(app_id, user_id));
            }
            Ok(json!({ "appId": app_id, "userId": user_id, "twoFactor": false, "signedOut": true }))
        }
        Command::SignOut { app_id, user_id } => {
            let user = store
                .user(app_id, user_id)
                .await?
                .ok_or_else(|| no_user(app_id, user_id))?;
            session::end_all(store, &user).await?;
            Ok(json!({ "appId": app_id, "userId": user_id, "sessionsEnded": user.sessions.len() }))
        }
        Command::Delete { app_id, user_id } => match store.erase_user(app_id, user_id, clock::now()).await? {
            Erasure::Erased { swept } => {
                Ok(json!({ "appId": app_id, "userId": user_id, "deleted": true, "itemsSwept": swept }))
            }
            Erasure::NoUser { swept } if swept > 0 => {
                Ok(json!({ "appId": app_id, "userId": user_id, "deleted": false, "itemsSwept": swept }))
            }
            Erasure::NoUser { .. } => Err(no_user(app_id, user_id)),
        },
    }
}

async fn list(
    store: &Store,
    offset: UtcOffset,
    app_id: u64,
    limit: u16,
    mut after: Option<u64>,
) -> Result<Value, CliError> {
    // Otherwise an unknown app would look like one without users.
    apps::find(store, app_id).await?;
    let wanted = usize::from(limit);
    let mut users = Vec::with_capacity(wanted);
    // DynamoDB ends a page at 1 MB, so one request may not bring them all.
    loop {
        let remaining = i32::from(limit) - i32::try_from(users.len()).expect("at most 1000 users are listed");
        let page = store.list_users(app_id, after, remaining).await?;
        users.extend(page.users.iter().map(|user| shown(user, offset)));
        after = page.next;
        if after.is_none() || users.len() >= wanted {
            return Ok(Value::Array(users));
        }
    }
}

/// The error for a user that does not exist, or not in that app.
pub fn no_user(app_id: u64, user_id: u64) -> CliError {
    CliError::new(format!("no user with id {user_id} in app {app_id}"))
}

/// The fields the profile endpoint shows, but `data`, which can be large.
fn shown(user: &User, offset: UtcOffset) -> Value {
    json!({
        "id": user.id,
        "userName": user.user_name,
        "platform": user.platform,
        "unionID": user.union_id,
        "nickName": user.nick_name,
        "email": user.email,
        "phone": user.phone,
        "emailIsValid": user.email_is_valid,
        "phoneIsValid": user.phone_is_valid,
        "avatar": user.avatar,
        "role": user.role,
        "hasPassword": user.has_password,
        "twoFactor": user.two_factor.is_on(),
        "pointBalance": user.points.point_balance,
        "createDate": clock::display(user.created_at, offset),
        "lastUpdate": clock::display(user.updated_at, offset),
    })
}
