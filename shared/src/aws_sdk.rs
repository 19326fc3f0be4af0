//! The AWS SDK configuration every function (and every test and benchmark
//! that stands in for one) builds its clients from.
//!
//! The SDK's default HTTPS client trusts the system's root certificates,
//! which it reads and parses (about 150 files on Amazon Linux) when it opens
//! its first connection: that was half of a function's init. AWS service
//! endpoints (DynamoDB, Secrets Manager) present certificates that chain to
//! Amazon Trust Services' roots, so those five, compiled in, are all ours trust.

use aws_config::environment::{EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::Builder;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};

/// Amazon Trust Services' roots, as published at amazontrust.com/repository.
const AMAZON_TRUST_SERVICES_ROOTS: [&str; 5] = [
    include_str!("../amazon-roots/Amazon_Root_CA_1.pem"),
    include_str!("../amazon-roots/Amazon_Root_CA_2.pem"),
    include_str!("../amazon-roots/Amazon_Root_CA_3.pem"),
    include_str!("../amazon-roots/Amazon_Root_CA_4.pem"),
    include_str!("../amazon-roots/Starfield_Services_Root_Certificate_Authority_-_G2.pem"),
];

/// Region, credentials and endpoints from the environment, with the HTTPS
/// client below.
pub async fn config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        // Lambda hands a function its role's credentials and its region in
        // environment variables (and scripts/env.sh does so locally). The
        // default chains' other sources (profile files, SSO, web identity,
        // container and instance metadata) never apply, and setting them up
        // took half a millisecond of every cold start.
        .credentials_provider(EnvironmentVariableCredentialsProvider::new())
        .region(EnvironmentVariableRegionProvider::new())
        .http_client(https_client())
        .load()
        .await
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
