//! Access tokens: JWTs with the seed's claim set, valid for one app and
//! naming the session they belong to (`sid`). They are ES256 by default,
//! signed by the key set's current key and verifiable by anyone through
//! the JWKS; HS256 (the one shared `JWT_SECRET`) only where the deployment
//! asks for it, or to accept tokens issued before the switch.

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::auth::signing_keys::Keys;
use crate::config::{KeySource, Signing, TokenSettings, key_ring};
use crate::domain::session::{Presented, SignInMethod};
use crate::domain::{App, Error, Inherited, User, clock};

/// Seconds a token stays valid, as the seed's `expires_in` says, unless the
/// app sets its own (`apps set --access-token-lifetime`).
pub const TOKEN_LIFETIME_SECONDS: i64 = 86_400;
/// Clock skew tolerated between Lambda instances and clients.
const LEEWAY_SECONDS: u64 = 30;

/// How the user proved who they are; the token's `grant_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    /// User name and password.
    Account,
    /// Union id, directly or through a QR sign-in.
    UnionId,
}

impl From<SignInMethod> for GrantType {
    fn from(method: SignInMethod) -> Self {
        match method {
            // An account of the app's own, proven by its password or an address's code.
            SignInMethod::Password | SignInMethod::EmailCode | SignInMethod::PhoneCode => GrantType::Account,
            SignInMethod::UnionId | SignInMethod::ExternalAccount | SignInMethod::QrCode => {
                GrantType::UnionId
            }
        }
    }
}

impl GrantType {
    fn as_str(self) -> &'static str {
        match self {
            GrantType::Account => "account",
            GrantType::UnionId => "unionid",
        }
    }
}

/// The claims of the seed's sample tokens, in their order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    pub jti: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub appid: String,
    pub nameid: String,
    pub unique_name: String,
    pub role: String,
    pub picture: String,
    pub email: String,
    pub mobile: String,
    pub unionid: String,
    pub platform: String,
    pub grant_type: String,
    pub given_name: String,
    pub groupsid: String,
    pub permission: String,
    pub nbf: i64,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    /// The issuer and the app key: a JWT authorizer configured with one
    /// app's key accepts that app's tokens only.
    pub aud: Vec<String>,
    /// When the sign-in behind this token happened (OpenID Connect's
    /// `auth_time`): a token obtained by presenting another keeps it, and
    /// so do refreshes.
    pub auth_time: i64,
    /// The session the token belongs to: ending it refuses the token.
    /// None only for a token obtained by presenting one from before
    /// sessions existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// The `data` of every sign-in response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenModel {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    /// Present when a session started or was refreshed: what gets the next
    /// access token (`{issuer}oauth2/token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// The claims `verify` reads (it has checked the registered ones); the
/// others are skipped rather than copied into strings nobody reads.
#[derive(Deserialize)]
struct SubjectClaims {
    appid: String,
    nameid: String,
    exp: i64,
    iat: i64,
    /// Tokens issued before the claim existed were each a sign-in's own.
    auth_time: Option<i64>,
    /// Absent from tokens issued before sessions existed.
    sid: Option<String>,
}

/// Who a verified token speaks for, since when, and in which session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub app_id: u64,
    pub user_id: u64,
    pub inherited: Inherited,
    /// None for tokens issued before sessions existed.
    pub session_id: Option<String>,
    pub issued_at: i64,
}

impl From<&Subject> for Presented {
    fn from(subject: &Subject) -> Self {
        Self {
            inherited: subject.inherited,
            session_id: subject.session_id.clone(),
        }
    }
}

impl Subject {
    /// Whether the sign-in behind the token happened within `max_age` of `now`.
    pub fn signed_in_within(&self, max_age: std::time::Duration, now: i64) -> bool {
        now - self.inherited.auth_time <= max_age.as_secs() as i64
    }
}

/// How long `app`'s access tokens live.
pub fn access_token_lifetime(app: &App) -> i64 {
    app.access_token_lifetime
        .map_or(TOKEN_LIFETIME_SECONDS, i64::from)
}

pub struct Tokens {
    signing: Signing,
    /// `JWT_SECRET`'s keys: what signs when signing is HS256, and what
    /// verifies HS256 tokens while they are accepted.
    hs256: Option<(EncodingKey, DecodingKey)>,
    /// The ES256 key set, as last read.
    keys: RwLock<Option<Arc<Keys>>>,
    reload: Option<Reload>,
    es256: Validation,
    hs256_validation: Validation,
    issuer: String,
    audience: String,
}

/// Where the key set is read again from, and when next.
struct Reload {
    source: KeySource,
    every: Duration,
    due: Mutex<Instant>,
}

/// The registered claims every token must carry and pass, for `algorithm`.
fn validation(algorithm: Algorithm, settings: &TokenSettings) -> Validation {
    // Pinning the algorithm is what refuses `alg: none` and tokens whose
    // header names another algorithm than their key's.
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[&settings.issuer]);
    validation.set_audience(&[&settings.audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud"]);
    validation.validate_nbf = true;
    validation.leeway = LEEWAY_SECONDS;
    validation
}

impl Tokens {
    pub fn new(settings: &TokenSettings) -> Self {
        let hs256 = settings.secret.as_ref().map(|secret| {
            let secret = secret.expose().as_bytes();
            (EncodingKey::from_secret(secret), DecodingKey::from_secret(secret))
        });
        Self {
            signing: settings.signing,
            hs256,
            keys: RwLock::new(settings.keys.clone()),
            reload: settings.key_source.clone().map(|source| Reload {
                source,
                every: settings.reload_keys_every,
                due: Mutex::new(Instant::now() + settings.reload_keys_every),
            }),
            es256: validation(Algorithm::ES256, settings),
            hs256_validation: validation(Algorithm::HS256, settings),
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        }
    }

    /// Reads the key set again when it is due: a rotation's new key reaches
    /// every instance before it starts signing. Only one request of an
    /// instance reads it; a failed read keeps the keys it has.
    pub async fn keep_keys_fresh(&self) {
        let Some(reload) = &self.reload else { return };
        {
            let Ok(mut due) = reload.due.lock() else { return };
            if Instant::now() < *due {
                return;
            }
            *due = Instant::now() + reload.every;
        }
        match reload.source.load().await.and_then(|set| key_ring(&set)) {
            Ok(keys) => {
                if let Ok(mut current) = self.keys.write() {
                    *current = Some(Arc::new(keys));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "reading the signing keys again failed; keeping the ones read before")
            }
        }
    }

    fn current_keys(&self) -> Option<Arc<Keys>> {
        self.keys.read().ok().and_then(|keys| keys.clone())
    }

    /// The published keys (`{issuer}.well-known/jwks.json`); none where
    /// tokens are HS256 only.
    pub fn jwks(&self) -> JwkSet {
        self.current_keys()
            .map_or_else(|| JwkSet { keys: Vec::new() }, |keys| keys.jwks())
    }

    /// The algorithm new tokens are signed with.
    pub fn algorithm(&self) -> Algorithm {
        match self.signing {
            Signing::Es256 => Algorithm::ES256,
            Signing::Hs256 => Algorithm::HS256,
        }
    }

    /// The claims a token of session `session_id` for `user` of `app`
    /// carries, issued at `now`, expiring no later than `limits` say.
    pub fn claims(
        &self,
        app: &App,
        user: &User,
        grant: GrantType,
        now: i64,
        session_id: Option<&str>,
        limits: Inherited,
    ) -> Claims {
        let union_id = user.union_id.clone().unwrap_or_default();
        Claims {
            jti: rand::random::<u64>().to_string(),
            tenant_id: app.tenant_id.clone(),
            tenant_name: app.tenant_name.clone(),
            appid: app.id.to_string(),
            nameid: user.id.to_string(),
            unique_name: user.user_name.clone().unwrap_or_else(|| union_id.clone()),
            role: user.role.clone(),
            picture: user.avatar.clone(),
            email: user.email.clone(),
            mobile: user.phone.clone(),
            unionid: union_id,
            platform: user.platform.clone(),
            grant_type: grant.as_str().to_owned(),
            given_name: user.nick_name.clone(),
            groupsid: "app".to_owned(),
            permission: String::new(),
            nbf: now,
            exp: limits.expires_at.min(now + access_token_lifetime(app)),
            iat: now,
            iss: self.issuer.clone(),
            aud: vec![self.audience.clone(), app.key.clone()],
            auth_time: limits.auth_time,
            sid: session_id.map(str::to_owned),
        }
    }

    /// An access token of session `session_id`, and the refresh token
    /// that comes with it, if any. It expires no later than `limits.expires_at`
    /// (a token obtained by presenting another lives no longer than it);
    /// one expired within the leeway has nothing left to pass on.
    pub fn issue(
        &self,
        app: &App,
        user: &User,
        grant: GrantType,
        session_id: Option<&str>,
        limits: Inherited,
        refresh_token: Option<String>,
    ) -> Result<TokenModel, Error> {
        let now = clock::now();
        if limits.expires_at <= now {
            return Err(Error::unauthenticated(
                "The access token has expired; sign in again.",
            ));
        }
        let claims = self.claims(app, user, grant, now, session_id, limits);
        Ok(TokenModel {
            refresh_token,
            ..self.sign(&claims)?
        })
    }

    /// Signs `claims` with the current key (and its `kid`), or `JWT_SECRET`.
    pub fn sign(&self, claims: &Claims) -> Result<TokenModel, Error> {
        let access_token = match self.signing {
            Signing::Es256 => {
                let keys = self
                    .current_keys()
                    .ok_or_else(|| Error::internal("ES256 signing without a key set"))?;
                let key = keys.signer(claims.iat);
                let header = Header {
                    kid: Some(key.kid.clone()),
                    ..Header::new(Algorithm::ES256)
                };
                jsonwebtoken::encode(&header, claims, &key.encoding)
            }
            Signing::Hs256 => {
                let (encoding, _) = self
                    .hs256
                    .as_ref()
                    .ok_or_else(|| Error::internal("HS256 signing without JWT_SECRET"))?;
                jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, encoding)
            }
        }
        .map_err(Error::internal)?;
        Ok(TokenModel {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: claims.exp - claims.iat,
            refresh_token: None,
        })
    }

    /// The claims of a token whose signature and registered claims hold:
    /// ES256 by a published key its `kid` names, or HS256 while accepted.
    fn decode(&self, token: &str) -> Result<SubjectClaims, ErrorKind> {
        let header = jsonwebtoken::decode_header(token).map_err(|err| err.into_kind())?;
        let decoded = match header.alg {
            Algorithm::ES256 => {
                let keys = self.current_keys().ok_or(ErrorKind::InvalidSignature)?;
                let key = header
                    .kid
                    .as_deref()
                    .and_then(|kid| keys.by_kid(kid))
                    .ok_or(ErrorKind::InvalidSignature)?;
                jsonwebtoken::decode::<SubjectClaims>(token, &key.decoding, &self.es256)
            }
            Algorithm::HS256 => {
                let (_, decoding) = self.hs256.as_ref().ok_or(ErrorKind::InvalidAlgorithm)?;
                jsonwebtoken::decode::<SubjectClaims>(token, decoding, &self.hs256_validation)
            }
            _ => return Err(ErrorKind::InvalidAlgorithm),
        };
        decoded.map(|data| data.claims).map_err(|err| err.into_kind())
    }

    /// Verifies a token and that it belongs to the app in the path.
    pub fn verify(&self, token: &str, app_id: u64) -> Result<Subject, Error> {
        let claims = self.decode(token).map_err(|kind| match kind {
            ErrorKind::ExpiredSignature => {
                Error::unauthenticated("The access token has expired; sign in again.")
            }
            ErrorKind::ImmatureSignature => Error::unauthenticated("The access token is not valid yet."),
            _ => Error::unauthenticated("The access token is invalid."),
        })?;
        let (iat, exp) = (claims.iat, claims.exp);
        let subject = Subject {
            inherited: Inherited {
                auth_time: claims.auth_time.unwrap_or(iat),
                expires_at: exp,
            },
            app_id: claims
                .appid
                .parse()
                .map_err(|_| Error::unauthenticated("The access token is invalid."))?,
            user_id: claims
                .nameid
                .parse()
                .map_err(|_| Error::unauthenticated("The access token is invalid."))?,
            session_id: claims.sid,
            issued_at: iat,
        };
        if subject.app_id != app_id {
            return Err(Error::unauthenticated(
                "The access token was issued for another app.",
            ));
        }
        Ok(subject)
    }

    /// The subject of a request's bearer token, which must be for `app_id`.
    pub fn authenticate(&self, bearer: Option<&str>, app_id: u64) -> Result<Subject, Error> {
        let token = bearer.ok_or_else(|| {
            Error::unauthenticated("This endpoint needs an `Authorization: Bearer <access_token>` header.")
        })?;
        self.verify(token, app_id)
    }
}
