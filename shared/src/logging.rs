//! The log subscriber every function installs at cold start.
//!
//! It writes what `lambda_runtime`'s default subscriber writes: no time (the
//! log service stamps each line), no target, JSON when the function's log
//! format is JSON, at the level Lambda's log settings name. The levels are
//! read by `Targets` rather than `EnvFilter`: the same `target=level`
//! directives, without the regex engine that `EnvFilter` links into every
//! binary (0.2 MB of each; docs/measurements.md, "Binary size").

use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// How a function logs, from its environment.
#[derive(Debug, Clone)]
pub struct LogSettings {
    pub json: bool,
    pub levels: Targets,
}

impl LogSettings {
    /// `AWS_LAMBDA_LOG_FORMAT` (`JSON` or text) and the levels of
    /// `AWS_LAMBDA_LOG_LEVEL`, else of `RUST_LOG`: a level, or directives
    /// such as `info,aws_smithy_runtime=debug`. Targets no directive names
    /// log at INFO, as does everything when the levels do not parse (Lambda's
    /// `FATAL`, which tracing has not).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let levels = lookup("AWS_LAMBDA_LOG_LEVEL")
            .or_else(|| lookup("RUST_LOG"))
            .and_then(|directives| directives.parse::<Targets>().ok())
            .unwrap_or_default();
        let levels = match levels.default_level() {
            Some(_) => levels,
            None => levels.with_default(LevelFilter::INFO),
        };
        Self {
            json: lookup("AWS_LAMBDA_LOG_FORMAT").is_some_and(|format| format.eq_ignore_ascii_case("json")),
            levels,
        }
    }
}

/// The subscriber `settings` describe, writing to `writer`.
pub fn subscriber<W>(settings: LogSettings, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let lines = tracing_subscriber::fmt::layer()
        .with_target(false)
        .without_time()
        .with_writer(writer);
    let registry = tracing_subscriber::registry().with(settings.levels);
    match settings.json {
        true => Box::new(registry.with(lines.json())),
        false => Box::new(registry.with(lines)),
    }
}

/// Installs the subscriber of the process's environment, writing to stdout,
/// which Lambda sends to CloudWatch Logs.
pub fn init() {
    let subscriber = subscriber(LogSettings::from_lookup(crate::config::env), std::io::stdout);
    // Only a second call fails, and the first subscriber stays.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    fn settings(vars: &[(&str, &str)]) -> LogSettings {
        LogSettings::from_lookup(lookup(vars))
    }

    fn level_of(settings: &LogSettings, target: &str) -> Option<LevelFilter> {
        [
            LevelFilter::TRACE,
            LevelFilter::DEBUG,
            LevelFilter::INFO,
            LevelFilter::WARN,
            LevelFilter::ERROR,
        ]
        .into_iter()
        .find(|level| {
            let level = level.into_level().expect("not OFF");
            settings.levels.would_enable(target, &level)
        })
    }

    #[test]
    fn logs_text_at_info_by_default() {
        let defaults = settings(&[]);
        assert!(!defaults.json);
        assert_eq!(level_of(&defaults, "account"), Some(LevelFilter::INFO));
    }

    #[test]
    fn lambda_settings_come_before_rust_log() {
        let lambda = settings(&[
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("RUST_LOG", "error"),
        ]);
        assert!(lambda.json);
        assert_eq!(
            level_of(&lambda, "oauthapp_shared::store"),
            Some(LevelFilter::DEBUG)
        );
        assert_eq!(
            level_of(&settings(&[("RUST_LOG", "warn")]), "account"),
            Some(LevelFilter::WARN)
        );
    }

    #[test]
    fn directives_name_targets_and_the_rest_stays_at_info() {
        let directives = settings(&[("RUST_LOG", "aws_smithy_runtime=trace")]);
        assert_eq!(
            level_of(&directives, "aws_smithy_runtime::client"),
            Some(LevelFilter::TRACE)
        );
        assert_eq!(level_of(&directives, "account"), Some(LevelFilter::INFO));
        let quieter = settings(&[("RUST_LOG", "warn,oauthapp_shared=debug")]);
        assert_eq!(level_of(&quieter, "account"), Some(LevelFilter::WARN));
        assert_eq!(
            level_of(&quieter, "oauthapp_shared::flows"),
            Some(LevelFilter::DEBUG)
        );
    }

    #[test]
    fn levels_that_do_not_parse_mean_info() {
        assert_eq!(
            level_of(&settings(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]), "account"),
            Some(LevelFilter::INFO)
        );
    }
}
