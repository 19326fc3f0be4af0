//! Deployment configuration, read once per cold start from the environment.
//! Each key (see `SECRETS`) comes from a plain variable locally and from a
//! Secrets Manager secret named by the matching `…_ARN` variable in AWS,
//! never from the template.

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use time::UtcOffset;
use time::format_description::well_known::Iso8601;

use crate::auth::signing_keys::{KeySet, Keys, Rotation};
use crate::delivery::{Delivery, TencentCredentials, TencentSms, tencent};
use crate::domain::Secret;
use crate::domain::lockout::LockoutPolicy;
use crate::domain::rate_limit::Allowance;
use crate::domain::session::SessionPolicy;
use crate::domain::verification::CodePolicy;

/// Unauthenticated requests per route class, source address and minute.
pub const DEFAULT_RATE_LIMIT_PER_IP: u32 = 60;

/// Fewer secret bytes than this and a key is guessable offline.
pub const MIN_SECRET_BYTES: usize = 32;

/// Where a deployment keeps one of its keys.
#[derive(Debug, Clone, Copy)]
pub struct SecretSource {
    /// Holds the key itself; for local runs only.
    pub plain: &'static str,
    /// Names the Secrets Manager secret holding the key; what AWS uses.
    pub arn: &'static str,
}

/// The HS256 key: it signs tokens only where `TOKEN_SIGNING_ALGORITHM=HS256`,
/// and verifies the HS256 tokens issued before ES256 while
/// `ACCEPT_HS256_TOKENS` is on.
pub const TOKEN_SECRET: SecretSource = SecretSource {
    plain: "JWT_SECRET",
    arn: "JWT_SECRET_ARN",
};

/// The key that encrypts users' TOTP secrets at rest. Unlike the token key
/// it must never be lost or replaced: every enrolled authenticator depends on it.
/// Only the functions that check or enrol authenticators are given it.
pub const TWO_FACTOR_KEY: SecretSource = SecretSource {
    plain: "TWO_FACTOR_KEY",
    arn: "TWO_FACTOR_KEY_ARN",
};

/// The key that seals the secrets the table keeps: app secrets, WeChat
/// AppSecrets, access tokens and jsapi tickets. Every function reads apps,
/// so every function is given it; like the two-factor key it must never be
/// lost (`oauthapp-admin apps reseal` seals what was written before it).
pub const APP_SECRETS_KEY: SecretSource = SecretSource {
    plain: "APP_SECRETS_KEY",
    arn: "APP_SECRETS_KEY_ARN",
};

/// The Tencent Cloud API key of the function that sends SMS through Tencent
/// Cloud (`delivery::TencentCredentials`); no other function reads it.
pub const TENCENT_SMS_CREDENTIALS: SecretSource = SecretSource {
    plain: "TENCENT_SMS_CREDENTIALS",
    arn: "TENCENT_SMS_CREDENTIALS_ARN",
};

/// The ES256 key set (`auth::signing_keys`): a file locally, a secret that
/// Secrets Manager rotates in AWS. Read at cold start and again every
/// `SIGNING_KEYS_RELOAD_SECONDS`.
pub const SIGNING_KEYS: SecretSource = SecretSource {
    plain: "SIGNING_KEYS_FILE",
    arn: "SIGNING_KEYS_ARN",
};

pub const SECRETS: [SecretSource; 5] = [
    TOKEN_SECRET,
    APP_SECRETS_KEY,
    TWO_FACTOR_KEY,
    SIGNING_KEYS,
    TENCENT_SMS_CREDENTIALS,
];

/// Where the key set is read from.
#[derive(Clone)]
pub enum KeySource {
    File(std::path::PathBuf),
    SecretsManager {
        client: aws_sdk_secretsmanager::Client,
        arn: String,
    },
}

impl KeySource {
    /// The source the environment names, if any.
    pub fn from_env(sdk: &SdkConfig) -> Option<Self> {
        match (env(SIGNING_KEYS.arn), env(SIGNING_KEYS.plain)) {
            (Some(arn), _) => Some(KeySource::SecretsManager {
                client: aws_sdk_secretsmanager::Client::new(sdk),
                arn,
            }),
            (None, Some(path)) => Some(KeySource::File(path.into())),
            (None, None) => None,
        }
    }

    /// The key set as stored now.
    pub async fn load(&self) -> Result<KeySet, ConfigError> {
        let (name, text) = match self {
            KeySource::File(path) => (
                SIGNING_KEYS.plain,
                std::fs::read_to_string(path).map_err(|err| ConfigError::Invalid {
                    name: SIGNING_KEYS.plain,
                    reason: format!("reading {}: {err}", path.display()),
                })?,
            ),
            KeySource::SecretsManager { client, arn } => (
                SIGNING_KEYS.arn,
                secret_string(client, arn, SIGNING_KEYS.arn)
                    .await?
                    .expose()
                    .to_owned(),
            ),
        };
        KeySet::parse(&text).map_err(|err| ConfigError::Invalid {
            name,
            reason: err.to_string(),
        })
    }
}

/// A key set, loaded for signing and verifying.
pub fn key_ring(set: &KeySet) -> Result<Keys, ConfigError> {
    Keys::new(set).map_err(|err| ConfigError::Invalid {
        name: "SIGNING_KEYS",
        reason: err.to_string(),
    })
}

/// A key set as loaded, and where to read it again; no source for one
/// fixed at start (tests).
#[derive(Clone)]
pub struct SigningKeys {
    pub set: KeySet,
    pub source: Option<KeySource>,
}

/// The keys `SECRETS` names, as loaded.
#[derive(Clone)]
pub struct Secrets {
    pub token: Option<Secret>,
    pub app_secrets: Secret,
    /// None for a function that handles no two-factor secret.
    pub two_factor: Option<Secret>,
    /// None where the deployment signs HS256 only.
    pub signing_keys: Option<SigningKeys>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("reading {name} from Secrets Manager failed: {reason}")]
    Secret { name: &'static str, reason: String },
}

#[derive(Clone)]
pub struct Config {
    pub table_name: String,
    pub token: TokenSettings,
    pub lockout: LockoutPolicy,
    /// How recent a token's sign-in must be for changes to two-factor
    /// sign-in without the password.
    pub recent_sign_in: Duration,
    /// How long a QR sign-in key may be scanned, confirmed and redeemed.
    pub qr_key_lifetime: Duration,
    /// The offset at which response bodies show times.
    pub display_offset: UtcOffset,
    /// Seals the secrets the table keeps (see `APP_SECRETS_KEY`).
    pub app_secrets_key: Secret,
    /// Encrypts TOTP secrets at rest (see `TWO_FACTOR_KEY`); none where the
    /// deployment gives the function no such key.
    pub two_factor_key: Option<Secret>,
    /// WeChat's server API; tests point it at a fake.
    pub wechat_api_base: String,
    /// Unauthenticated requests per route class, app, source address and
    /// minute, for apps without an allowance of their own.
    pub rate_limit_per_ip: Allowance,
    /// How long sessions and refresh tokens live.
    pub sessions: SessionPolicy,
    /// How verification codes live, and how often one may be sent.
    pub codes: CodePolicy,
}

/// What signs new tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// The key set's current key; verifiable through the JWKS.
    Es256,
    /// `JWT_SECRET`; only by an explicit deployment setting.
    Hs256,
}

#[derive(Clone)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
    pub signing: Signing,
    /// `JWT_SECRET`, kept where it signs or HS256 tokens are accepted.
    pub secret: Option<Secret>,
    pub keys: Option<Arc<Keys>>,
    pub key_source: Option<KeySource>,
    pub reload_keys_every: Duration,
    /// How rotations time new keys (`oauthapp-admin keys rotate`, the
    /// rotation function).
    pub rotation: Rotation,
}

impl Config {
    /// Reads the environment; fetches each key from Secrets Manager when its
    /// `…_ARN` variable names a secret, both at once.
    pub async fn load(sdk: &SdkConfig) -> Result<Self, ConfigError> {
        let required = |source: SecretSource| async move {
            load_secret(sdk, source)
                .await?
                .ok_or(ConfigError::Missing(source.plain))
        };
        let signing_keys = async {
            let Some(source) = KeySource::from_env(sdk) else {
                return Ok(None);
            };
            let set = source.load().await?;
            Ok(Some(SigningKeys {
                set,
                source: Some(source),
            }))
        };
        let (token, app_secrets, two_factor, signing_keys) = tokio::try_join!(
            load_secret(sdk, TOKEN_SECRET),
            required(APP_SECRETS_KEY),
            load_secret(sdk, TWO_FACTOR_KEY),
            signing_keys
        )?;
        Self::from_lookup(
            env,
            Secrets {
                token,
                app_secrets,
                two_factor,
                signing_keys,
            },
        )
    }

    /// How a rotation times keys (`SIGNING_KEY_PUBLISH_AHEAD_SECONDS`): what
    /// the rotation function reads, which has no other configuration.
    pub fn key_rotation(lookup: impl Fn(&str) -> Option<String>) -> Result<Rotation, ConfigError> {
        Ok(Rotation::new(parse_number(
            &lookup,
            "SIGNING_KEY_PUBLISH_AHEAD_SECONDS",
            3_600,
        )?))
    }

    /// The DynamoDB table, which init needs before the keys have arrived.
    pub fn table_name(lookup: impl Fn(&str) -> Option<String>) -> String {
        lookup("TABLE_NAME").unwrap_or_else(|| "oauthapp".to_owned())
    }

    /// Builds the configuration from a variable lookup and the keys.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        secrets: Secrets,
    ) -> Result<Self, ConfigError> {
        for (source, key) in [
            (TOKEN_SECRET, secrets.token.as_ref()),
            (APP_SECRETS_KEY, Some(&secrets.app_secrets)),
            (TWO_FACTOR_KEY, secrets.two_factor.as_ref()),
        ]
        .into_iter()
        .filter_map(|(source, key)| Some((source, key?)))
        {
            long_enough(source, key)?;
        }
        let issuer = lookup("JWT_ISSUER").unwrap_or_else(|| "http://127.0.0.1:9000/".to_owned());
        let audience = lookup("JWT_AUDIENCE").unwrap_or_else(|| issuer.clone());
        let offset = lookup("DISPLAY_UTC_OFFSET").unwrap_or_else(|| "+08:00".to_owned());
        let wechat_api_base = wechat_api_base(&lookup)?;
        Ok(Self {
            table_name: Self::table_name(&lookup),
            token: token_settings(&lookup, issuer, audience, secrets.token, secrets.signing_keys)?,
            lockout: LockoutPolicy {
                threshold: parse_number(&lookup, "LOCKOUT_THRESHOLD", 5)?,
                window: Duration::from_secs(parse_number(&lookup, "LOCKOUT_WINDOW_SECONDS", 900)?),
            },
            recent_sign_in: Duration::from_secs(parse_number(&lookup, "RECENT_SIGN_IN_SECONDS", 300)?),
            qr_key_lifetime: Duration::from_secs(parse_number(&lookup, "QR_KEY_LIFETIME_SECONDS", 300)?),
            display_offset: UtcOffset::parse(&offset, &Iso8601::DEFAULT).map_err(|err| {
                ConfigError::Invalid {
                    name: "DISPLAY_UTC_OFFSET",
                    reason: format!("{err} (expected e.g. +08:00)"),
                }
            })?,
            app_secrets_key: secrets.app_secrets,
            two_factor_key: secrets.two_factor,
            wechat_api_base,
            rate_limit_per_ip: Allowance {
                per_minute: parse_count(&lookup, "RATE_LIMIT_PER_IP_PER_MINUTE", DEFAULT_RATE_LIMIT_PER_IP)?,
            },
            sessions: session_policy(&lookup)?,
            codes: code_policy(&lookup)?,
        })
    }
}

/// `TOKEN_SIGNING_ALGORITHM` (ES256 unless HS256 is asked for),
/// `ACCEPT_HS256_TOKENS` (on by default: tokens from before ES256 keep
/// working until they expire), `SIGNING_KEYS_RELOAD_SECONDS` and
/// `SIGNING_KEY_PUBLISH_AHEAD_SECONDS`.
fn token_settings(
    lookup: &impl Fn(&str) -> Option<String>,
    issuer: String,
    audience: String,
    secret: Option<Secret>,
    keys: Option<SigningKeys>,
) -> Result<TokenSettings, ConfigError> {
    let signing = match lookup("TOKEN_SIGNING_ALGORITHM").as_deref() {
        None | Some("ES256") => Signing::Es256,
        Some("HS256") => Signing::Hs256,
        Some(other) => {
            return Err(ConfigError::Invalid {
                name: "TOKEN_SIGNING_ALGORITHM",
                reason: format!("{other:?} is neither ES256 nor HS256"),
            });
        }
    };
    let accept_hs256 = flag(lookup, "ACCEPT_HS256_TOKENS", true)?;
    let secret = match signing {
        Signing::Hs256 => Some(secret.ok_or(ConfigError::Missing(TOKEN_SECRET.plain))?),
        Signing::Es256 => secret.filter(|_| accept_hs256),
    };
    if signing == Signing::Es256 && keys.is_none() {
        return Err(ConfigError::Missing("SIGNING_KEYS_FILE or SIGNING_KEYS_ARN"));
    }
    let reload_keys_every = Duration::from_secs(parse_number(lookup, "SIGNING_KEYS_RELOAD_SECONDS", 300)?);
    let rotation = Config::key_rotation(lookup)?;
    let (keys, key_source) = match keys {
        None => (None, None),
        Some(keys) => (Some(Arc::new(key_ring(&keys.set)?)), keys.source),
    };
    Ok(TokenSettings {
        issuer,
        audience,
        signing,
        secret,
        keys,
        key_source,
        reload_keys_every,
        rotation,
    })
}

/// `true` or `false`; `default` when unset.
fn flag(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match lookup(name).as_deref() {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(ConfigError::Invalid {
            name,
            reason: format!("{other:?} is neither true nor false"),
        }),
    }
}

/// `VERIFICATION_CODE_SECONDS`, `VERIFICATION_CODE_MAX_TRIES`,
/// `VERIFICATION_CODES_PER_MINUTE` and `VERIFICATION_CODES_PER_DAY` (per
/// recipient).
fn code_policy(lookup: &impl Fn(&str) -> Option<String>) -> Result<CodePolicy, ConfigError> {
    let default = CodePolicy::default();
    let policy = CodePolicy {
        lifetime: parse_number(lookup, "VERIFICATION_CODE_SECONDS", default.lifetime)?,
        max_tries: parse_number(lookup, "VERIFICATION_CODE_MAX_TRIES", default.max_tries)?,
        per_minute: parse_number(lookup, "VERIFICATION_CODES_PER_MINUTE", default.per_minute)?,
        per_day: parse_number(lookup, "VERIFICATION_CODES_PER_DAY", default.per_day)?,
    };
    if policy.per_minute > policy.per_day {
        return Err(ConfigError::Invalid {
            name: "VERIFICATION_CODES_PER_MINUTE",
            reason: "it must not exceed VERIFICATION_CODES_PER_DAY".to_owned(),
        });
    }
    Ok(policy)
}

/// `REFRESH_TOKEN_IDLE_SECONDS`, `REFRESH_TOKEN_ABSOLUTE_SECONDS`,
/// `REFRESH_TOKEN_REUSE_GRACE_SECONDS` and `SESSIONS_PER_USER`.
fn session_policy(lookup: &impl Fn(&str) -> Option<String>) -> Result<SessionPolicy, ConfigError> {
    let default = SessionPolicy::default();
    let seconds =
        |name, default: Duration| parse_number(lookup, name, default.as_secs()).map(Duration::from_secs);
    let policy = SessionPolicy {
        idle: seconds("REFRESH_TOKEN_IDLE_SECONDS", default.idle)?,
        absolute: seconds("REFRESH_TOKEN_ABSOLUTE_SECONDS", default.absolute)?,
        reuse_grace: seconds("REFRESH_TOKEN_REUSE_GRACE_SECONDS", default.reuse_grace)?,
        max_per_user: parse_number(lookup, "SESSIONS_PER_USER", default.max_per_user)?,
    };
    if policy.idle > policy.absolute {
        return Err(ConfigError::Invalid {
            name: "REFRESH_TOKEN_IDLE_SECONDS",
            reason: "it must not exceed REFRESH_TOKEN_ABSOLUTE_SECONDS".to_owned(),
        });
    }
    if policy.max_per_user > 98 {
        return Err(ConfigError::Invalid {
            name: "SESSIONS_PER_USER",
            reason: "at most 98: ending them all is one transaction".to_owned(),
        });
    }
    Ok(policy)
}

/// `WECHAT_API_BASE` (WeChat's by default), `https` unless
/// `WECHAT_HTTP_LOOPBACK=true` lets it be `http` to a loopback address, as
/// the local fakes are. The admin CLI reads it the same way.
pub fn wechat_api_base(lookup: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let base = lookup("WECHAT_API_BASE").unwrap_or_else(|| crate::wechat::DEFAULT_API_BASE.to_owned());
    let http_loopback = flag(lookup, "WECHAT_HTTP_LOOPBACK", false)?;
    crate::wechat::api_base(&base, http_loopback).map_err(|reason| ConfigError::Invalid {
        name: "WECHAT_API_BASE",
        reason,
    })
}

/// The senders of the function that sends verification codes: SES and SNS
/// from `sdk` (From `EMAIL_SENDER` for apps that name no sender), Tencent
/// Cloud SMS at `TENCENT_SMS_ENDPOINT` (Tencent's own by default) in
/// `TENCENT_SMS_REGION` (ap-guangzhou) with its key.
pub async fn delivery(sdk: &SdkConfig) -> Result<Delivery, ConfigError> {
    let credentials = match load_secret(sdk, TENCENT_SMS_CREDENTIALS).await? {
        Some(json) => {
            Some(
                TencentCredentials::parse(json.expose()).map_err(|reason| ConfigError::Invalid {
                    name: TENCENT_SMS_CREDENTIALS.plain,
                    reason,
                })?,
            )
        }
        None => None,
    };
    let endpoint = env("TENCENT_SMS_ENDPOINT").unwrap_or_else(|| tencent::DEFAULT_ENDPOINT.to_owned());
    let region = env("TENCENT_SMS_REGION").unwrap_or_else(|| "ap-guangzhou".to_owned());
    let tencent =
        TencentSms::new(&endpoint, &region, credentials).map_err(|reason| ConfigError::Invalid {
            name: "TENCENT_SMS_ENDPOINT",
            reason,
        })?;
    Ok(Delivery::new(sdk, tencent, env("EMAIL_SENDER")))
}

/// A variable of the process's environment; set but empty counts as unset.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
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

/// A count where zero means none (e.g. no limit).
fn parse_count(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u32,
) -> Result<u32, ConfigError> {
    match lookup(name) {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|_| ConfigError::Invalid {
            name,
            reason: format!("{raw:?} is not a whole number (0 turns the limit off)"),
        }),
    }
}

/// Refuses a key too short to resist guessing.
pub fn long_enough(source: SecretSource, key: &Secret) -> Result<(), ConfigError> {
    if key.expose().len() < MIN_SECRET_BYTES {
        return Err(ConfigError::Invalid {
            name: source.plain,
            reason: format!("it must be at least {MIN_SECRET_BYTES} bytes of random data"),
        });
    }
    Ok(())
}

/// One key of the process's environment: from Secrets Manager when its ARN
/// variable is set, else from its plain variable; `None` when neither is.
pub async fn load_secret(sdk: &SdkConfig, source: SecretSource) -> Result<Option<Secret>, ConfigError> {
    let Some(arn) = env(source.arn) else {
        return Ok(env(source.plain).map(Secret::new));
    };
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    secret_string(&client, &arn, source.arn).await.map(Some)
}

/// The current value of the secret `arn`, which variable `name` gave.
async fn secret_string(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
    name: &'static str,
) -> Result<Secret, ConfigError> {
    let failed = |reason: String| ConfigError::Secret { name, reason };
    // Named, not implied: the stage a rotation moves (an emulator that
    // tracks a default version apart from it answers the same way).
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .version_stage("AWSCURRENT")
        .send()
        .await
        .map_err(|err| failed(aws_sdk_secretsmanager::error::DisplayErrorContext(err).to_string()))?;
    output
        .secret_string
        .map(Secret::new)
        .ok_or_else(|| failed("the secret has no string value".to_owned()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// An environment of `vars` only, for the settings read `from_lookup`.
    pub(crate) fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.get(name).cloned()
    }

    fn secrets() -> Secrets {
        Secrets {
            token: Some(Secret::new("7".repeat(32))),
            app_secrets: Secret::new("8".repeat(32)),
            two_factor: Some(Secret::new("9".repeat(32))),
            signing_keys: Some(SigningKeys {
                set: KeySet::default()
                    .rotated(1_800_000_000, Rotation::new(3_600))
                    .unwrap(),
                source: None,
            }),
        }
    }

    #[test]
    fn refuses_a_short_key() {
        let short_token = Secrets {
            token: Some(Secret::new("short")),
            ..secrets()
        };
        let err = Config::from_lookup(lookup(&[]), short_token).err().unwrap();
        assert!(err.to_string().contains("JWT_SECRET"), "{err}");
        let short_two_factor = Secrets {
            two_factor: Some(Secret::new("short")),
            ..secrets()
        };
        let err = Config::from_lookup(lookup(&[]), short_two_factor).err().unwrap();
        assert!(err.to_string().contains("TWO_FACTOR_KEY is invalid"), "{err}");
        assert!(err.to_string().contains("32 bytes"), "{err}");
        let short_app_secrets = Secrets {
            app_secrets: Secret::new("short"),
            ..secrets()
        };
        let err = Config::from_lookup(lookup(&[]), short_app_secrets).err().unwrap();
        assert!(err.to_string().contains("APP_SECRETS_KEY is invalid"), "{err}");
    }

    #[test]
    fn reads_defaults_and_overrides() {
        let config = Config::from_lookup(
            lookup(&[
                ("LOCKOUT_THRESHOLD", "3"),
                ("JWT_ISSUER", "https://auth.example/"),
            ]),
            secrets(),
        )
        .unwrap();
        assert_eq!(config.lockout.threshold, 3);
        assert_eq!(config.lockout.window, Duration::from_secs(900));
        assert_eq!(config.recent_sign_in, Duration::from_secs(300));
        assert_eq!(config.rate_limit_per_ip.per_minute, 60);
        assert_eq!(config.token.audience, "https://auth.example/");
        assert_eq!(config.display_offset, UtcOffset::from_hms(8, 0, 0).unwrap());
        assert!(!format!("{:?}", config.token.secret).contains('7'));
        assert!(!format!("{:?}", config.two_factor_key).contains("9, 9"));
        assert!(!format!("{:?}", config.app_secrets_key).contains('8'));
    }

    #[test]
    fn wechat_is_called_over_https_unless_loopback_http_is_allowed() {
        let base =
            |vars: &[(&str, &str)]| Config::from_lookup(lookup(vars), secrets()).map(|c| c.wechat_api_base);
        assert_eq!(base(&[]).unwrap(), "https://api.weixin.qq.com");
        let fake = ("WECHAT_API_BASE", "http://127.0.0.1:9");
        assert!(
            base(&[fake])
                .unwrap_err()
                .to_string()
                .contains("WECHAT_HTTP_LOOPBACK")
        );
        assert_eq!(
            base(&[fake, ("WECHAT_HTTP_LOOPBACK", "true")]).unwrap(),
            "http://127.0.0.1:9"
        );
        assert!(base(&[fake, ("WECHAT_HTTP_LOOPBACK", "yes")]).is_err());
        let outside = ("WECHAT_API_BASE", "http://api.weixin.qq.com");
        assert!(base(&[outside, ("WECHAT_HTTP_LOOPBACK", "true")]).is_err());
    }

    #[test]
    fn es256_needs_a_key_set_and_hs256_the_secret() {
        let settings = |vars: &[(&str, &str)], secrets: Secrets| {
            Config::from_lookup(lookup(vars), secrets).map(|config| config.token)
        };
        let es256 = settings(&[], secrets()).unwrap();
        assert_eq!(es256.signing, Signing::Es256);
        assert!(es256.secret.is_some(), "HS256 tokens are accepted by default");
        let strict = settings(&[("ACCEPT_HS256_TOKENS", "false")], secrets()).unwrap();
        assert!(strict.secret.is_none());
        let no_keys = Secrets {
            signing_keys: None,
            ..secrets()
        };
        let err = settings(&[], no_keys.clone()).err().unwrap();
        assert!(err.to_string().contains("SIGNING_KEYS_FILE"), "{err}");
        let hs256 = settings(&[("TOKEN_SIGNING_ALGORITHM", "HS256")], no_keys).unwrap();
        assert_eq!(hs256.signing, Signing::Hs256);
        let no_secret = Secrets {
            token: None,
            ..secrets()
        };
        assert!(settings(&[("TOKEN_SIGNING_ALGORITHM", "HS256")], no_secret.clone()).is_err());
        assert!(settings(&[], no_secret).unwrap().secret.is_none());
        assert!(settings(&[("TOKEN_SIGNING_ALGORITHM", "RS256")], secrets()).is_err());
        assert!(settings(&[("ACCEPT_HS256_TOKENS", "no")], secrets()).is_err());
    }

    #[test]
    fn rejects_a_zero_threshold() {
        assert!(Config::from_lookup(lookup(&[("LOCKOUT_THRESHOLD", "0")]), secrets()).is_err());
    }

    #[test]
    fn a_zero_rate_limit_turns_it_off() {
        let config =
            Config::from_lookup(lookup(&[("RATE_LIMIT_PER_IP_PER_MINUTE", "0")]), secrets()).unwrap();
        assert!(config.rate_limit_per_ip.is_unlimited());
        let err = Config::from_lookup(lookup(&[("RATE_LIMIT_PER_IP_PER_MINUTE", "-1")]), secrets())
            .err()
            .unwrap();
        assert!(err.to_string().contains("RATE_LIMIT_PER_IP_PER_MINUTE"), "{err}");
    }
}
