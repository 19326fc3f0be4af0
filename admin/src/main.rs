//! Operator CLI for OAuthApp: creates and configures apps, inspects users,
//! grants and consumes points, straight against the DynamoDB table, and
//! rotates the keys that sign tokens.

mod apps;
mod args;
mod keys;
mod output;
mod points;
mod table;
mod users;

use std::process::ExitCode;

use aws_config::{BehaviorVersion, SdkConfig};
use clap::{Parser, Subcommand};
use oauthapp_shared::config;
use oauthapp_shared::store::Store;
use time::UtcOffset;

/// Help heading of the options every command takes.
const GLOBAL: &str = "Global options";

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// DynamoDB table of the deployment.
    #[arg(long, env = "TABLE_NAME", default_value = "oauthapp", global = true, help_heading = GLOBAL)]
    table: String,
    /// UTC offset at which dates are shown, as the API shows them.
    #[arg(
        long,
        env = "DISPLAY_UTC_OFFSET",
        default_value = "+08:00",
        value_parser = args::utc_offset,
        allow_hyphen_values = true,
        global = true,
        help_heading = GLOBAL
    )]
    utc_offset: UtcOffset,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The table itself.
    #[command(subcommand)]
    Table(table::Command),
    /// Apps: their cards, keys and how their users prove a union id.
    #[command(subcommand)]
    Apps(apps::Command),
    /// An app's users.
    #[command(subcommand)]
    Users(users::Command),
    /// Users' point balances.
    #[command(subcommand)]
    Points(points::Command),
    /// The keys that sign access tokens.
    #[command(subcommand)]
    Keys(keys::Command),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let store = match sealing_store(&sdk, cli.table).await {
        Ok(store) => store,
        Err(err) => return output::finish(Err(err)),
    };
    let result = match cli.command {
        Command::Table(command) => table::run(&store, command).await,
        Command::Apps(command) => apps::run(&store, cli.utc_offset, command).await,
        Command::Users(command) => users::run(&store, cli.utc_offset, command).await,
        Command::Points(command) => points::run(&store, command).await,
        Command::Keys(command) => keys::run(&sdk, command).await,
    };
    output::finish(result)
}

/// The table, sealing and opening app secrets under the deployment's
/// `APP_SECRETS_KEY` (or the secret `APP_SECRETS_KEY_ARN` names), when the
/// environment gives it: the commands that read or write apps need it,
/// the others do not.
async fn sealing_store(sdk: &SdkConfig, table: String) -> Result<Store, output::CliError> {
    let store = Store::new(aws_sdk_dynamodb::Client::new(sdk), table);
    Ok(match config::load_secret(sdk, config::APP_SECRETS_KEY).await? {
        Some(key) => {
            config::long_enough(config::APP_SECRETS_KEY, &key)?;
            store.with_sealing(&key)
        }
        None => store,
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from([&["oauthapp-admin"], args].concat())
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn apps_set_needs_something_to_change() {
        let err = parse(&["apps", "set", "1"]).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::MissingRequiredArgument);
        for change in [
            &["--name", "x"][..],
            &["--union-id-proof", "none"],
            &["--logo", ""],
            &["--tenant-id", "2"],
        ] {
            assert!(
                parse(&[&["apps", "set", "1"], change].concat()).is_ok(),
                "{change:?}"
            );
        }
    }

    #[test]
    fn apps_set_refuses_an_unknown_proof() {
        let err = parse(&["apps", "set", "1", "--union-id-proof", "sms"])
            .err()
            .unwrap();
        assert_eq!(err.kind(), ErrorKind::ValueValidation);
    }

    #[test]
    fn reads_a_negative_offset() {
        let cli = parse(&["--utc-offset", "-05:00", "table", "ensure"]).unwrap();
        assert_eq!(cli.utc_offset, UtcOffset::from_hms(-5, 0, 0).unwrap());
    }
}
