//! What the operator sees: one JSON document on stdout, or one line on
//! stderr and exit status 1.

use std::process::ExitCode;

use serde_json::Value;

/// A failure to report: one sentence saying what went wrong.
#[derive(Debug)]
pub struct CliError(String);

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

// Library errors already read as sentences. `CliError` is not itself an
// `Error`, so this does not overlap `From<T> for T`.
impl<E: std::error::Error> From<E> for CliError {
    fn from(err: E) -> Self {
        Self(err.to_string())
    }
}

/// Prints the outcome of a command and gives the exit status.
pub fn finish(result: Result<Value, CliError>) -> ExitCode {
    match result {
        Ok(value) => {
            println!("{value:#}");
            ExitCode::SUCCESS
        }
        Err(CliError(message)) => {
            // SDK error chains may span lines; scripts read one.
            eprintln!("error: {}", message.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
