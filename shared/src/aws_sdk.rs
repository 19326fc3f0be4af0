//! The AWS SDK configuration every function (and every test and benchmark
//! that stands in for one) builds its clients from.
//!
//! It is built directly, not by `aws_config`'s loader: the loader links
//! every source it might consult (profile files, SSO, STS for web identity
//! and assumed roles, container and instance metadata), 0.8 MB of each
//! binary that a function never runs (docs/measurements.md, "Binary size").
//! Lambda hands a function its role's credentials and its region in
//! environment variables (and scripts/env.sh does so locally), which is all
//! the loader would find there.
//!
//! The SDK's default HTTPS client trusts the system's root certificates,
//! which it reads and parses (about 150 files on Amazon Linux) when it opens
//! its first connection: that was half of a function's init. AWS service
//! endpoints (DynamoDB, Secrets Manager) present certificates that chain to
//! Amazon Trust Services' roots, so those five, compiled in, are all ours trust.

use std::time::Duration;

use aws_config::environment::{EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider};
use aws_config::identity::IdentityCache;
use aws_config::meta::region::ProvideRegion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

/// Amazon Trust Services' roots, as published at amazontrust.com/repository.
const AMAZON_TRUST_SERVICES_ROOTS: [&str; 5] = [
    include_str!("../amazon-roots/Amazon_Root_CA_1.pem"),
    include_str!("../amazon-roots/Amazon_Root_CA_2.pem"),
    include_str!("../amazon-roots/Amazon_Root_CA_3.pem"),
    include_str!("../amazon-roots/Amazon_Root_CA_4.pem"),
    include_str!("../amazon-roots/Starfield_Services_Root_Certificate_Authority_-_G2.pem"),
];

/// The connect timeout `aws_config`'s loader sets.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Region (`AWS_REGION`, else `AWS_DEFAULT_REGION`), credentials and
/// endpoints from the environment, with the HTTPS client below; retries,
/// timeouts and the credentials cache as the loader sets them by default.
pub async fn config() -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(EnvironmentVariableRegionProvider::new().region().await)
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .identity_cache(IdentityCache::lazy().build())
        .service_config(EndpointsFromEnv)
        .http_client(https_client())
        .sleep_impl(SharedAsyncSleep::new(TokioSleep::new()))
        .retry_config(RetryConfig::standard())
        .timeout_config(TimeoutConfig::builder().connect_timeout(CONNECT_TIMEOUT).build())
        .build()
}

/// Each client's endpoint: `AWS_ENDPOINT_URL_<SERVICE>` (the service id in
/// capitals, spaces as underscores: `AWS_ENDPOINT_URL_DYNAMODB`,
/// `AWS_ENDPOINT_URL_SECRETS_MANAGER`), else `AWS_ENDPOINT_URL`, else the
/// service's own; the variables the loader reads, without profile files.
#[derive(Debug)]
struct EndpointsFromEnv;

impl LoadServiceConfig for EndpointsFromEnv {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        setting(&key, crate::config::env)
    }
}

/// The service's own variable of `key`, else the global one.
fn setting(key: &ServiceConfigKey<'_>, lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    let service = key.service_id().to_uppercase().replace(' ', "_");
    lookup(&format!("{}_{service}", key.env())).or_else(|| lookup(key.env()))
}

/// rustls on aws-lc, as the SDK's default client, trusting only Amazon Trust
/// Services' roots. The roots are parsed when the first connection opens,
/// whatever its scheme, so every test against DynamoDB Local parses them.
fn https_client() -> SharedHttpClient {
    let roots = AMAZON_TRUST_SERVICES_ROOTS
        .iter()
        .fold(TrustStore::empty(), |roots, pem| {
            roots.with_pem_certificate(pem.as_bytes())
        });
    let tls = TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .expect("a TLS context without extra server names always builds");
    Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls)
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests::lookup;

    fn endpoint_of(service_id: &str, vars: &[(&str, &str)]) -> Option<String> {
        let key = ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .expect("every part is set");
        setting(&key, lookup(vars))
    }

    #[test]
    fn a_service_variable_comes_before_the_global_one() {
        let vars = [
            ("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000"),
            ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://127.0.0.1:5005"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
        ];
        assert_eq!(
            endpoint_of("DynamoDB", &vars).as_deref(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(
            endpoint_of("Secrets Manager", &vars).as_deref(),
            Some("http://127.0.0.1:5005")
        );
        assert_eq!(
            endpoint_of("SESv2", &vars).as_deref(),
            Some("http://127.0.0.1:4566")
        );
        assert_eq!(endpoint_of("SNS", &[]), None);
    }
}
