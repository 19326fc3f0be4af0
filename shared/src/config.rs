//! Deployment configuration, read once per cold start from the environment.
//! The token secret comes from `JWT_SECRET` locally and from a Secrets
//! Manager secret named by `JWT_SECRET_ARN` in AWS, never from the template.

use std::time::Duration;

use aws_config::SdkConfig;
use time::UtcOffset;
use time::format_description::well_known::Iso8601;

/// Fewer secret bytes than this and HS256 is guessable offline.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("reading the token secret from Secrets Manager failed: {0}")]
    Secret(String),
}

#[derive(Clone)]
pub struct Config {
    pub table_name: String,
    pub token: TokenSettings,
    pub lockout: LockoutPolicy,
    /// How long a QR sign-in key may be scanned, confirmed and redeemed.
    pub qr_key_lifetime: Duration,
    /// The offset at which response bodies show times.
    pub display_offset: UtcOffset,
}

#[derive(Clone)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for TokenSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSettings")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Sign-in lockout per account: `threshold` failures within `window` lock the
/// account until `window` after the last of them.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub threshold: u32,
    pub window: Duration,
}

impl Config {
    /// Reads the environment; fetches the token secret from Secrets Manager
    /// when `JWT_SECRET_ARN` names one.
    pub async fn load(sdk: &SdkConfig) -> Result<Self, ConfigError> {
        let lookup = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let secret = match lookup("JWT_SECRET_ARN") {
            Some(arn) => fetch_secret(sdk, &arn).await?,
            None => lookup("JWT_SECRET").ok_or(ConfigError::Missing("JWT_SECRET (or JWT_SECRET_ARN)"))?,
        };
        Self::from_lookup(lookup, secret.into_bytes())
    }

    /// Builds the configuration from a variable lookup and the secret.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        secret: Vec<u8>,
    ) -> Result<Self, ConfigError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: format!("it must be at least {MIN_SECRET_BYTES} bytes of random data"),
            });
        }
        let issuer = lookup("JWT_ISSUER").unwrap_or_else(|| "http://127.0.0.1:9000/".to_owned());
        let audience = lookup("JWT_AUDIENCE").unwrap_or_else(|| issuer.clone());
        let offset = lookup("DISPLAY_UTC_OFFSET").unwrap_or_else(|| "+08:00".to_owned());
        Ok(Self {
            table_name: lookup("TABLE_NAME").unwrap_or_else(|| "oauthapp".to_owned()),
            token: TokenSettings {
                issuer,
                audience,
                secret,
            },
            lockout: LockoutPolicy {
                threshold: parse_number(&lookup, "LOCKOUT_THRESHOLD", 5)?,
                window: Duration::from_secs(parse_number(&lookup, "LOCKOUT_WINDOW_SECONDS", 900)?),
            },
            qr_key_lifetime: Duration::from_secs(parse_number(&lookup, "QR_KEY_LIFETIME_SECONDS", 300)?),
            display_offset: UtcOffset::parse(&offset, &Iso8601::DEFAULT).map_err(|err| {
                ConfigError::Invalid {
                    name: "DISPLAY_UTC_OFFSET",
                    reason: format!("{err} (expected e.g. +08:00)"),
                }
            })?,
        })
    }
}

fn parse_number<T: std::str::FromStr + PartialOrd + Default>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(raw) => match raw.parse::<T>() {
            Ok(value) if value > T::default() => Ok(value),
            _ => Err(ConfigError::Invalid {
                name,
                reason: format!("{raw:?} is not a positive whole number"),
            }),
        },
    }
}

async fn fetch_secret(sdk: &SdkConfig, arn: &str) -> Result<String, ConfigError> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|err| {
            ConfigError::Secret(aws_sdk_secretsmanager::error::DisplayErrorContext(err).to_string())
        })?;
    output
        .secret_string
        .ok_or_else(|| ConfigError::Secret("the secret has no string value".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn refuses_a_short_secret() {
        let err = Config::from_lookup(lookup(&[]), b"short".to_vec()).err().unwrap();
        assert!(err.to_string().contains("32 bytes"));
    }

    #[test]
    fn reads_defaults_and_overrides() {
        let config = Config::from_lookup(
            lookup(&[
                ("LOCKOUT_THRESHOLD", "3"),
                ("JWT_ISSUER", "https://auth.example/"),
            ]),
            vec![7; 32],
        )
        .unwrap();
        assert_eq!(config.lockout.threshold, 3);
        assert_eq!(config.lockout.window, Duration::from_secs(900));
        assert_eq!(config.token.audience, "https://auth.example/");
        assert_eq!(config.display_offset, UtcOffset::from_hms(8, 0, 0).unwrap());
        assert!(!format!("{:?}", config.token).contains("7, 7"));
    }

    #[test]
    fn rejects_a_zero_threshold() {
        assert!(Config::from_lookup(lookup(&[("LOCKOUT_THRESHOLD", "0")]), vec![7; 32]).is_err());
    }
}
