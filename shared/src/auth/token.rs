//! Access tokens: HS256 JWTs with the seed's claim set, valid for one app.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::TokenSettings;
use crate::domain::{App, Error, Inherited, User, clock};

/// Seconds a token stays valid, as the seed's `expires_in` says.
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
    pub aud: String,
    /// When the sign-in behind this token happened (OpenID Connect's
    /// `auth_time`): a token obtained by presenting another keeps it.
    pub auth_time: i64,
}

/// The `data` of every sign-in response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenModel {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
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
}

/// Who a verified token speaks for, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub app_id: u64,
    pub user_id: u64,
    pub inherited: Inherited,
}

impl Subject {
    /// Whether the sign-in behind the token happened within `max_age` of `now`.
    pub fn signed_in_within(&self, max_age: std::time::Duration, now: i64) -> bool {
        now - self.inherited.auth_time <= max_age.as_secs() as i64
    }
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl Tokens {
    pub fn new(settings: &TokenSettings) -> Self {
        // Pinning the algorithm list to HS256 is what rejects `alg: none` and
        // algorithm-confusion tokens.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(settings.secret.expose().as_bytes()),
            decoding: DecodingKey::from_secret(settings.secret.expose().as_bytes()),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
        }
    }

    /// The claims a token for `user` of `app` carries, issued now by a
    /// sign-in.
    pub fn claims(&self, app: &App, user: &User, grant: GrantType) -> Claims {
        let now = clock::now();
        self.claims_at(
            app,
            user,
            grant,
            now,
            Inherited {
                auth_time: now,
                expires_at: now + TOKEN_LIFETIME_SECONDS,
            },
        )
    }

    fn claims_at(&self, app: &App, user: &User, grant: GrantType, now: i64, limits: Inherited) -> Claims {
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
            exp: limits.expires_at.min(now + TOKEN_LIFETIME_SECONDS),
            iat: now,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            auth_time: limits.auth_time,
        }
    }

    /// A token for a sign-in that happened now.
    pub fn issue(&self, app: &App, user: &User, grant: GrantType) -> Result<TokenModel, Error> {
        self.sign(&self.claims(app, user, grant))
    }

    /// A token obtained by presenting another: it keeps that token's
    /// sign-in time and expires no later than it.
    pub fn issue_inheriting(
        &self,
        app: &App,
        user: &User,
        grant: GrantType,
        from: Inherited,
    ) -> Result<TokenModel, Error> {
        let now = clock::now();
        // Accepted within the leeway, but nothing is left to pass on.
        if from.expires_at <= now {
            return Err(Error::unauthenticated(
                "The access token has expired; sign in again.",
            ));
        }
        self.sign(&self.claims_at(app, user, grant, now, from))
    }

    pub fn sign(&self, claims: &Claims) -> Result<TokenModel, Error> {
        let access_token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(Error::internal)?;
        Ok(TokenModel {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: claims.exp - claims.iat,
        })
    }

    /// Verifies a token and that it belongs to the app in the path.
    pub fn verify(&self, token: &str, app_id: u64) -> Result<Subject, Error> {
        let data = jsonwebtoken::decode::<SubjectClaims>(token, &self.decoding, &self.validation).map_err(
            |err| match err.kind() {
                ErrorKind::ExpiredSignature => {
                    Error::unauthenticated("The access token has expired; sign in again.")
                }
                ErrorKind::ImmatureSignature => Error::unauthenticated("The access token is not valid yet."),
                _ => Error::unauthenticated("The access token is invalid."),
            },
        )?;
        let claims = &data.claims;
        let subject = Subject {
            inherited: Inherited {
                auth_time: claims.auth_time.unwrap_or(claims.iat),
                expires_at: claims.exp,
            },
            app_id: data
                .claims
                .appid
                .parse()
                .map_err(|_| Error::unauthenticated("The access token is invalid."))?,
            user_id: data
                .claims
                .nameid
                .parse()
                .map_err(|_| Error::unauthenticated("The access token is invalid."))?,
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
