//! Access tokens: HS256 JWTs with the seed's claim set, valid for one app
//! and naming the session they belong to (`sid`).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::TokenSettings;
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
            SignInMethod::Password => GrantType::Account,
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
    pub aud: String,
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
            aud: self.audience.clone(),
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

    pub fn sign(&self, claims: &Claims) -> Result<TokenModel, Error> {
        let access_token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(Error::internal)?;
        Ok(TokenModel {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: claims.exp - claims.iat,
            refresh_token: None,
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
        let (iat, exp) = (claims.iat, claims.exp);
        let subject = Subject {
            inherited: Inherited {
                auth_time: claims.auth_time.unwrap_or(iat),
                expires_at: exp,
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
            session_id: data.claims.sid,
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
