//! The documents a verifier needs and nothing else: the public keys, and
//! where they and the endpoints are. Both are built from what the instance
//! holds, so serving them costs no DynamoDB request.

use oauthapp_shared::Services;
use serde_json::{Value, json};

/// `GET .well-known/jwks.json`: every published key, the next one included.
pub fn jwks(services: &Services) -> Value {
    serde_json::to_value(services.tokens.jwks()).unwrap_or_else(|_| json!({"keys": []}))
}

/// `GET .well-known/openid-configuration`, as OpenID Connect Discovery 1.0
/// and RFC 8414 name the fields. Sign-in happens through the API's own
/// routes, which answer tokens directly, so there is no authorization
/// endpoint and the only grant is the refresh.
pub fn openid_configuration(services: &Services) -> Value {
    let issuer = &services.config.token.issuer;
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}.well-known/jwks.json"),
        "token_endpoint": format!("{issuer}oauth2/token"),
        "revocation_endpoint": format!("{issuer}oauth2/revoke"),
        "grant_types_supported": ["refresh_token"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [services.tokens.algorithm()],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "claims_supported": ["iss", "aud", "exp", "iat", "nbf", "auth_time", "sid", "jti", "nameid", "appid"],
    })
}
