//! `points`: grant and consume points, each change logged as the user's
//! point log shows it.

use clap::{Args, Subcommand};
use oauthapp_shared::domain::clock;
use oauthapp_shared::store::{ChangePointsError, Store};
use serde_json::{Value, json};

use crate::args::text;
use crate::output::CliError;
use crate::users;

#[derive(Subcommand)]
pub enum Command {
    /// Adds points to a user's balance.
    Grant(Change),
    /// Takes points from a user's balance; refused beyond the balance.
    Consume(Change),
}

#[derive(Args)]
pub struct Change {
    app_id: u64,
    user_id: u64,
    /// Points to add or take, a positive whole number.
    #[arg(value_parser = amount)]
    amount: i64,
    /// Why, as the user's point log shows it.
    #[arg(long, default_value = "", value_parser = text::<0, 200>)]
    remark: String,
}

pub async fn run(store: &Store, command: Command) -> Result<Value, CliError> {
    let (change, sign) = match command {
        Command::Grant(change) => (change, 1),
        Command::Consume(change) => (change, -1),
    };
    let balance = store
        .change_points(
            change.app_id,
            change.user_id,
            sign * change.amount,
            &change.remark,
            clock::now(),
        )
        .await
        .map_err(|err| match err {
            ChangePointsError::InsufficientBalance { balance, needed } => CliError::new(format!(
                "cannot consume {needed} points: the balance is {balance}"
            )),
            ChangePointsError::UserNotFound => users::no_user(change.app_id, change.user_id),
            other => other.into(),
        })?;
    Ok(json!({ "balance": balance }))
}

/// A positive whole number; the direction comes from the subcommand.
fn amount(value: &str) -> Result<i64, String> {
    match value.parse() {
        Ok(amount) if amount > 0 => Ok(amount),
        _ => Err("must be a positive whole number of points".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_positive_whole_numbers() {
        assert_eq!(amount("25"), Ok(25));
        for refused in ["0", "-3", "1.5", "ten", "", "99999999999999999999"] {
            assert!(amount(refused).is_err(), "{refused}");
        }
    }
}
