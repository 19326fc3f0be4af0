//! `table`: the table the deployment keeps everything in.

use clap::Subcommand;
use oauthapp_shared::store::{Store, schema};
use serde_json::{Value, json};

use crate::output::CliError;

#[derive(Subcommand)]
pub enum Command {
    /// Creates the table unless it exists and waits until it is active.
    Ensure,
}

pub async fn run(store: &Store, command: Command) -> Result<Value, CliError> {
    match command {
        Command::Ensure => {
            schema::ensure_table(store.client(), store.table()).await?;
            Ok(json!({ "table": store.table(), "status": "ACTIVE" }))
        }
    }
}
