//! Sessions: what one sign-in starts and what can end it. A session holds
//! the hashes of its refresh tokens; each refresh retires the token it was
//! given and hands out a new one. A retired token presented again within
//! the reuse grace (a second tab, a retried request) gets a working token of
//! the same session; presented later, it was copied, and the whole session
//! ends. Access tokens name their session (`sid`); the user item lists the
//! live ones, so ending a session refuses its access tokens at once.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Inherited;
use super::setting::words;
use super::verification::Channel;

/// How a session began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// User name and password.
    Password,
    /// A union id proven as the app demands.
    UnionId,
    /// A bound external account's union id.
    ExternalAccount,
    /// A QR code scanned and confirmed on the mini-program.
    QrCode,
    /// An email address, with a code sent to it.
    EmailCode,
    /// A phone number, with a code sent to it.
    PhoneCode,
}

impl SignInMethod {
    /// The sign-in with a code sent over `channel`.
    pub fn by_code(channel: Channel) -> Self {
        match channel {
            Channel::Email => SignInMethod::EmailCode,
            Channel::Sms => SignInMethod::PhoneCode,
        }
    }
}

words!(SignInMethod, "sign-in method", {
    Password => "password",
    UnionId => "union_id",
    ExternalAccount => "external_account",
    QrCode => "qr_code",
    EmailCode => "email_code",
    PhoneCode => "phone_code",
});

/// How long sessions and their refresh tokens live, and how many a user keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session whose refresh tokens go unused this long ends.
    pub idle: Duration,
    /// No session outlives its sign-in by more than this.
    pub absolute: Duration,
    /// How long a retired refresh token still gets a working one.
    pub reuse_grace: Duration,
    /// Sessions a user may have at once; a sign-in beyond ends the oldest.
    pub max_per_user: usize,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 86_400),
            absolute: Duration::from_secs(90 * 86_400),
            reuse_grace: Duration::from_secs(30),
            max_per_user: 50,
        }
    }
}

/// Refresh tokens a session keeps as live at once: normally one, more while
/// tabs refreshing together each got their own.
const MAX_LIVE_TOKENS: usize = 5;
/// Retired refresh tokens a session remembers, to recognise their reuse.
const MAX_RETIRED_TOKENS: usize = 20;
/// 256 random bits.
const SECRET_BYTES: usize = 32;

/// The SHA-256 of a refresh token's secret, in hex: all the table keeps.
/// A slow hash is not needed: the secret is 256 random bits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenHash(String);

impl TokenHash {
    fn of(secret: &str) -> Self {
        Self(hex::encode(Sha256::digest(secret.as_bytes())))
    }
}

/// A refresh token as the client holds it: `{userId}.{sessionId}.{secret}`.
/// Clients treat it as opaque; the ids only say where its session lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub user_id: u64,
    pub session_id: String,
    secret: String,
}

impl RefreshToken {
    fn new(user_id: u64, session_id: &str) -> Self {
        use base64::Engine;
        let secret =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; SECRET_BYTES]>());
        Self {
            user_id,
            session_id: session_id.to_owned(),
            secret,
        }
    }

    /// The token in `text`, if it has a token's shape.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '.');
        let user_id = parts.next()?.parse().ok()?;
        let session_id = parts.next().filter(|id| is_session_id(id))?.to_owned();
        let secret = parts.next().filter(|secret| secret.len() == 43)?.to_owned();
        Some(Self {
            user_id,
            session_id,
            secret,
        })
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.secret)
    }

    pub fn text(&self) -> String {
        format!("{}.{}.{}", self.user_id, self.session_id, self.secret)
    }
}

/// Session ids: the start time in milliseconds, in hex, then 128 random
/// bits, so that a user's sessions sort oldest first.
pub fn new_session_id(now_millis: i64) -> String {
    format!("{:012x}{:032x}", now_millis.max(0), rand::random::<u128>())
}

pub fn is_session_id(text: &str) -> bool {
    text.len() == 44
        && text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// A refresh token retired by a refresh, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Retired {
    pub hash: TokenHash,
    pub at: i64,
}

/// Where a request came from, as API Gateway saw it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    pub source_ip: String,
    /// Cut to `USER_AGENT_MAX` characters.
    pub user_agent: String,
}

/// The most characters of a user agent a session keeps.
pub const USER_AGENT_MAX: usize = 256;

/// What the session list shows of where a session signed in.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    pub platform: String,
    #[serde(flatten)]
    pub client: Client,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    #[serde(rename = "sessionId")]
    pub id: String,
    pub app_id: u64,
    pub user_id: u64,
    pub method: SignInMethod,
    /// When the sign-in behind the session happened; refreshes keep it.
    pub auth_time: i64,
    pub created_at: i64,
    /// The last sign-in or refresh.
    pub last_used_at: i64,
    /// The absolute end.
    pub expires_at: i64,
    #[serde(flatten)]
    pub device: Device,
    /// The session whose token confirmed this one's sign-in (a QR page's):
    /// ending it ends this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The external-account binding it signed in with: disabling or
    /// removing the binding ends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<u64>,
    pub live_tokens: Vec<TokenHash>,
    #[serde(default)]
    pub retired_tokens: Vec<Retired>,
    /// Counts the session's writes, for conditional ones.
    pub version: u64,
}

/// What a token presented to confirm another sign-in (QR Confirm-Login)
/// passes on to the session it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub inherited: Inherited,
    /// None for a token from before sessions existed.
    pub session_id: Option<String>,
}

/// What presenting a refresh token to its session comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// A new refresh token: the session, changed, must be saved.
    Issued(RefreshToken),
    /// A retired token, after the grace: the session must end.
    Reused,
    /// Not this session's, or the session is over.
    Refused,
}

impl Session {
    /// A session starting now, and its first refresh token.
    pub fn start(
        app_id: u64,
        user_id: u64,
        method: SignInMethod,
        device: Device,
        auth_time: i64,
        now: i64,
        policy: &SessionPolicy,
    ) -> (Self, RefreshToken) {
        let id = new_session_id(super::clock::now_millis());
        let token = RefreshToken::new(user_id, &id);
        let session = Self {
            app_id,
            user_id,
            method,
            auth_time,
            created_at: now,
            last_used_at: now,
            expires_at: auth_time + policy.absolute.as_secs() as i64,
            device,
            parent: None,
            binding: None,
            live_tokens: vec![token.hash()],
            retired_tokens: Vec::new(),
            version: 0,
            id,
        };
        (session, token)
    }

    /// When the session ends unless refreshed first.
    pub fn ends_at(&self, policy: &SessionPolicy) -> i64 {
        (self.last_used_at + policy.idle.as_secs() as i64).min(self.expires_at)
    }

    /// Whether `presented` is a refresh token this session issued, live or
    /// retired: who holds one may end the session (RFC 7009 revocation).
    pub fn issued(&self, presented: &RefreshToken) -> bool {
        let hash = presented.hash();
        presented.session_id == self.id
            && presented.user_id == self.user_id
            && (self.live_tokens.contains(&hash)
                || self.retired_tokens.iter().any(|retired| retired.hash == hash))
    }

    /// Applies a refresh with `presented` at `now`.
    pub fn refresh(&mut self, presented: &RefreshToken, now: i64, policy: &SessionPolicy) -> Refresh {
        if presented.session_id != self.id || presented.user_id != self.user_id || self.ends_at(policy) <= now
        {
            return Refresh::Refused;
        }
        let hash = presented.hash();
        if let Some(index) = self.live_tokens.iter().position(|live| *live == hash) {
            let retired = self.live_tokens.remove(index);
            self.retired_tokens.push(Retired {
                hash: retired,
                at: now,
            });
        } else {
            match self.retired_tokens.iter().find(|retired| retired.hash == hash) {
                Some(retired) if now - retired.at <= policy.reuse_grace.as_secs() as i64 => {}
                Some(_) => return Refresh::Reused,
                None => return Refresh::Refused,
            }
        }
        let token = RefreshToken::new(self.user_id, &self.id);
        self.live_tokens.push(token.hash());
        trim_front(&mut self.live_tokens, MAX_LIVE_TOKENS);
        trim_front(&mut self.retired_tokens, MAX_RETIRED_TOKENS);
        self.last_used_at = now;
        Refresh::Issued(token)
    }
}

fn trim_front<T>(list: &mut Vec<T>, max: usize) {
    if list.len() > max {
        list.drain(..list.len() - max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(now: i64) -> (Session, RefreshToken, SessionPolicy) {
        let policy = SessionPolicy::default();
        let (session, token) =
            Session::start(1, 7, SignInMethod::Password, Device::default(), now, now, &policy);
        (session, token, policy)
    }

    fn issued(outcome: Refresh) -> RefreshToken {
        match outcome {
            Refresh::Issued(token) => token,
            other => panic!("expected a new token, got {other:?}"),
        }
    }

    #[test]
    fn tokens_read_back_and_keep_only_a_hash() {
        let (session, token, _) = started(1_000);
        assert_eq!(RefreshToken::parse(&token.text()), Some(token.clone()));
        assert!(!serde_json::to_string(&session).unwrap().contains(&token.secret));
        assert_eq!(token.secret.len(), 43, "256 bits in base64url");
        for bad in [
            "",
            "7",
            "x.y.z",
            &format!("7.{}.short", session.id),
            "7.abc.0000000000000000000000000000000000000000000",
        ] {
            assert_eq!(RefreshToken::parse(bad), None, "{bad:?}");
        }
        assert!(is_session_id(&session.id));
        assert!(new_session_id(1) < new_session_id(2), "older sessions sort first");
        assert!(new_session_id(999) < new_session_id(1_000), "within a second too");
    }

    #[test]
    fn a_refresh_retires_the_token_it_was_given() {
        let (mut session, first, policy) = started(1_000);
        let second = issued(session.refresh(&first, 1_010, &policy));
        assert_ne!(second, first);
        assert_eq!(session.live_tokens, vec![second.hash()]);
        assert_eq!(session.last_used_at, 1_010);
        assert_eq!(session.auth_time, 1_000, "a refresh is no sign-in");
        let third = issued(session.refresh(&second, 2_000, &policy));
        assert_eq!(session.live_tokens, vec![third.hash()]);
    }

    #[test]
    fn a_retired_token_works_within_the_grace_and_ends_the_session_after() {
        let (mut session, first, policy) = started(1_000);
        let tab_a = issued(session.refresh(&first, 1_010, &policy));
        // The other tab, at once: a working token of its own.
        let tab_b = issued(session.refresh(&first, 1_020, &policy));
        assert_ne!(tab_a, tab_b);
        assert_eq!(session.live_tokens, vec![tab_a.hash(), tab_b.hash()]);
        issued(session.refresh(&tab_a, 5_000, &policy));
        issued(session.refresh(&tab_b, 5_000, &policy));
        // A copy of the first token, long after.
        assert_eq!(session.refresh(&first, 1_041, &policy), Refresh::Reused);
    }

    #[test]
    fn foreign_tokens_and_ended_sessions_are_refused() {
        let (mut session, first, policy) = started(1_000);
        let (other, other_token, _) = started(1_000);
        assert_eq!(session.refresh(&other_token, 1_001, &policy), Refresh::Refused);
        let forged = RefreshToken {
            session_id: session.id.clone(),
            ..other_token
        };
        assert_eq!(
            session.refresh(&forged, 1_001, &policy),
            Refresh::Refused,
            "an unknown secret ends nothing"
        );
        let idle = 1_000 + policy.idle.as_secs() as i64;
        assert_eq!(
            session.clone().refresh(&first, idle, &policy),
            Refresh::Refused,
            "idle too long"
        );
        // Used every day, it still ends at the absolute limit.
        let mut token = first;
        let mut now = 1_000;
        while now + 86_400 < session.expires_at {
            now += 86_400;
            token = issued(session.refresh(&token, now, &policy));
        }
        assert_eq!(
            session.refresh(&token, session.expires_at, &policy),
            Refresh::Refused
        );
        assert_ne!(other.id, session.id);
    }

    #[test]
    fn lists_stay_bounded() {
        let (mut session, mut token, policy) = started(1_000);
        for now in 1_001..1_100 {
            token = issued(session.refresh(&token, now, &policy));
        }
        assert_eq!(session.live_tokens.len(), 1);
        assert_eq!(session.retired_tokens.len(), MAX_RETIRED_TOKENS);
        let first_grace = session.retired_tokens[0].clone();
        for _ in 0..10 {
            issued(session.refresh(&token, 1_100, &policy));
        }
        assert!(session.live_tokens.len() <= MAX_LIVE_TOKENS);
        assert_ne!(session.retired_tokens[0], first_grace);
    }
}
