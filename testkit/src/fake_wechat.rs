//! A stateful fake of WeChat's server API (`https://api.weixin.qq.com`) for
//! integration tests, as docs/wechat.md describes each call and its errors: stable and
//! plain access tokens that expire, single-use login codes, official-account
//! followers, the jsapi ticket, subscribe messages, URL links and schemes,
//! mini-program code images and the content security check.
//!
//! It answers like WeChat: HTTP 200 and `{"errcode":N,"errmsg":"..., rid: ..."}`
//! for business errors, JSON as `application/json; encoding=utf-8`, unknown
//! query parameters ignored. Tests can force the next answer of a path, and
//! every call is counted and recorded so tests can assert caching and bodies.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use wiremock::http::Method;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The image `getwxacode` and `getwxacodeunlimit` answer: a valid 1×1 grey
/// baseline JPEG (it decodes with libjpeg), so clients that sniff or decode
/// the bytes see a real image.
pub const FAKE_JPEG: &[u8] = &[
    0xFF, 0xD8, // SOI
    0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, // APP0 (JFIF 1.01)
    0xFF, 0xDB, 0x00, 0x43, 0x00, // DQT: table 0, all 64 steps 1
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, //
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, //
    0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11,
    0x00, // SOF0: 8 bit, 1×1, one grey component
    0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x00, // DHT: DC table 0, one 1-bit code for "difference 0"
    0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x00, // DHT: AC table 0, one 1-bit code for "end of block"
    0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, // SOS
    0x3F, // scan: DC 0, EOB, padded with ones (grey 128)
    0xFF, 0xD9, // EOI
];

const JSON_CONTENT_TYPE: &str = "application/json; encoding=utf-8";
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
/// wx.login codes live 5 minutes.
const CODE_LIFETIME: Duration = Duration::from_secs(300);
/// A new `/cgi-bin/token` token leaves the previous one usable this long.
const TOKEN_GRACE: Duration = Duration::from_secs(300);
const TOKEN_LENGTH: usize = 136;
const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// WeChat's official test strings for the content security check.
const RISKY_TEST_CONTENT: [&str; 2] = [
    "特3456书yuuo莞6543李zxcz蒜7782法fgnv级",
    "完2347全dfji试3726测asad感3847知qwez到",
];

/// What `/sns/jscode2session` answers for a login code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSession {
    pub openid: String,
    pub session_key: String,
    pub unionid: Option<String>,
}

/// The fake server. Dropping it stops the server.
pub struct FakeWechat {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl FakeWechat {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let server = MockServer::start().await;
        // One catch-all mock that routes by itself, so unknown paths and wrong
        // methods get WeChat-like errors instead of wiremock's bare 404.
        Mock::given(any())
            .respond_with(Responder(state.clone()))
            .mount(&server)
            .await;
        FakeWechat { server, state }
    }

    /// Base URL, e.g. `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Registers a WeChat app (mini-program or official account: WeChat does
    /// not distinguish them for tokens). Registering again changes the secret.
    pub fn add_app(&self, appid: &str, secret: &str) {
        let mut state = self.state();
        match state.apps.get_mut(appid) {
            Some(app) => app.secret = secret.to_owned(),
            None => {
                state.apps.insert(appid.to_owned(), App::new(secret));
            }
        }
    }

    /// A wx.login code for `appid`: single use, valid for 5 minutes.
    pub fn add_login_code(&self, appid: &str, code: &str, session: LoginSession) {
        let code_state = LoginCode {
            appid: appid.to_owned(),
            session,
            expires_at: Instant::now() + CODE_LIFETIME,
            used: false,
        };
        self.state().codes.insert(code.to_owned(), code_state);
    }

    /// Makes a code older than its 5 minutes.
    pub fn expire_login_code(&self, code: &str) {
        let mut state = self.state();
        let login_code = state
            .codes
            .get_mut(code)
            .unwrap_or_else(|| panic!("expire_login_code: no code {code:?} was added"));
        login_code.expires_at = Instant::now();
    }

    /// An official-account follower for `/cgi-bin/user/info`.
    pub fn add_follower(&self, oa_appid: &str, openid: &str, unionid: Option<&str>) {
        let key = (oa_appid.to_owned(), openid.to_owned());
        self.state().followers.insert(key, unionid.map(str::to_owned));
    }

    /// Lifetime (`expires_in`) of tokens and tickets handed out from now on;
    /// 7200 until set.
    pub fn set_token_lifetime(&self, seconds: u64) {
        self.state().token_lifetime = Duration::from_secs(seconds);
    }

    /// Expires every token of `appid` (stable and plain): calls with them
    /// answer 42001, and the next `stable_token` call mints a new one.
    pub fn expire_tokens(&self, appid: &str) {
        let now = Instant::now();
        for token in self.state().tokens.values_mut() {
            if token.appid == appid && token.expires_at > now {
                token.expires_at = now;
            }
        }
    }

    /// The next call of `path` answers `errcode` (with WeChat's errmsg for it),
    /// then the path behaves normally again; calls queue up. On token-checked
    /// endpoints this comes after the token check, so forcing 40001 simulates
    /// WeChat rejecting a token.
    pub fn fail_next(&self, path: &str, errcode: i64) {
        self.state()
            .failures
            .entry(path.to_owned())
            .or_default()
            .push_back(errcode);
    }

    /// How many `/cgi-bin/stable_token` and `/cgi-bin/token` calls handed out
    /// a token for `appid`.
    pub fn token_fetches(&self, appid: &str) -> usize {
        self.state().token_fetches.get(appid).copied().unwrap_or(0)
    }

    /// How many `/cgi-bin/ticket/getticket` calls handed out a ticket to the
    /// app owning the token they used.
    pub fn ticket_fetches(&self, appid: &str) -> usize {
        self.state().ticket_fetches.get(appid).copied().unwrap_or(0)
    }

    /// Number of calls to `path` (any method, any app, answered or not).
    pub fn calls(&self, path: &str) -> usize {
        self.state().calls.get(path).map_or(0, |log| log.count)
    }

    /// The body of the last call to `path`, if it was JSON.
    pub fn last_body(&self, path: &str) -> Option<Value> {
        self.state().calls.get(path).and_then(|log| log.body.clone())
    }

    /// The query parameters of the last call to `path`.
    pub fn last_query(&self, path: &str) -> Option<HashMap<String, String>> {
        self.state().calls.get(path).map(|log| log.query.clone())
    }

    /// The token currently valid for `appid`: the stable one if valid, else
    /// the latest from `/cgi-bin/token`.
    pub fn current_token(&self, appid: &str) -> Option<String> {
        let state = self.state();
        let app = state.apps.get(appid)?;
        let now = Instant::now();
        [&app.stable_token, &app.plain_token]
            .into_iter()
            .flatten()
            .find(|token| state.tokens[token.as_str()].check(now).is_ok())
            .cloned()
    }

    /// The jsapi ticket handed out to `oa_appid`; until set it is
    /// `jsapi-ticket-<oa_appid>`.
    pub fn set_jsapi_ticket(&self, oa_appid: &str, ticket: &str) {
        self.state()
            .jsapi_tickets
            .insert(oa_appid.to_owned(), ticket.to_owned());
    }

    /// The next call of `path` answers HTTP `status` (a redirect such as
    /// 302 or 307) to `location`, as a hijacked or misconfigured endpoint
    /// would; calls queue up.
    pub fn redirect_next(&self, path: &str, status: u16, location: &str) {
        self.state()
            .redirects
            .entry(path.to_owned())
            .or_default()
            .push_back((status, location.to_owned()));
    }

    /// Every call of `path` from now on is answered `delay` late (zero
    /// answers at once again), as WeChat does when it is slow.
    pub fn slow_down(&self, path: &str, delay: Duration) {
        self.state().delays.insert(path.to_owned(), delay);
    }

    /// WeChat refuses `appid`'s current stable token (40001) while
    /// `stable_token` in normal mode keeps handing it out; only
    /// `force_refresh: true` replaces it.
    pub fn refuse_current_token(&self, appid: &str) {
        let mut state = self.state();
        let token = state.apps[appid]
            .stable_token
            .clone()
            .unwrap_or_else(|| panic!("refuse_current_token: {appid} has no stable token"));
        state.tokens.get_mut(&token).expect("minted token").refused = true;
    }

    /// How many `stable_token` calls of `appid` asked for `force_refresh: true`.
    pub fn forced_refreshes(&self, appid: &str) -> usize {
        self.state().forced_refreshes.get(appid).copied().unwrap_or(0)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A test that panicked while holding the lock must not make every later
    // call panic too and hide the first failure.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

type Query = HashMap<String, String>;

struct State {
    apps: HashMap<String, App>,
    tokens: HashMap<String, Token>,
    codes: HashMap<String, LoginCode>,
    /// The unionid (if bound) by (official account appid, openid).
    followers: HashMap<(String, String), Option<String>>,
    jsapi_tickets: HashMap<String, String>,
    token_lifetime: Duration,
    failures: HashMap<String, VecDeque<i64>>,
    calls: HashMap<String, CallLog>,
    token_fetches: HashMap<String, usize>,
    ticket_fetches: HashMap<String, usize>,
    forced_refreshes: HashMap<String, usize>,
    redirects: HashMap<String, VecDeque<(u16, String)>>,
    delays: HashMap<String, Duration>,
}

impl Default for State {
    fn default() -> Self {
        State {
            apps: HashMap::new(),
            tokens: HashMap::new(),
            codes: HashMap::new(),
            followers: HashMap::new(),
            jsapi_tickets: HashMap::new(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            failures: HashMap::new(),
            calls: HashMap::new(),
            token_fetches: HashMap::new(),
            ticket_fetches: HashMap::new(),
            forced_refreshes: HashMap::new(),
            redirects: HashMap::new(),
            delays: HashMap::new(),
        }
    }
}

struct App {
    secret: String,
    /// What `stable_token` answers in normal mode while it is valid.
    stable_token: Option<String>,
    /// The latest `/cgi-bin/token` token (a separate namespace).
    plain_token: Option<String>,
}

impl App {
    fn new(secret: &str) -> Self {
        App {
            secret: secret.to_owned(),
            stable_token: None,
            plain_token: None,
        }
    }
}

struct Token {
    appid: String,
    expires_at: Instant,
    /// When a newer token replaced it: at once for a forced stable refresh,
    /// after the grace for `/cgi-bin/token`.
    revoked_at: Option<Instant>,
    /// Refused on use although normal-mode `stable_token` still hands it out.
    refused: bool,
}

impl Token {
    fn check(&self, now: Instant) -> Result<(), WxError> {
        if self.refused {
            Err(40001.into())
        } else {
            self.check_current(now)
        }
    }

    /// Whether it is still the token to hand out: neither replaced nor expired.
    fn check_current(&self, now: Instant) -> Result<(), WxError> {
        if self.revoked_at.is_some_and(|revoked_at| revoked_at <= now) {
            Err(40001.into())
        } else if self.expires_at <= now {
            Err(42001.into())
        } else {
            Ok(())
        }
    }
}

struct LoginCode {
    appid: String,
    session: LoginSession,
    expires_at: Instant,
    used: bool,
}

#[derive(Default)]
struct CallLog {
    count: usize,
    query: Query,
    body: Option<Value>,
}

/// Where a path goes: endpoints authenticated by appid and secret, and
/// endpoints that take an access token.
#[derive(Clone, Copy)]
enum Endpoint {
    Open(Open),
    Protected(Protected),
}

#[derive(Clone, Copy)]
enum Open {
    Token,
    StableToken,
    JsCode2Session,
}

#[derive(Clone, Copy)]
enum Protected {
    UserInfo,
    GetTicket,
    SubscribeSend,
    TemplateSubscribe,
    GenerateUrlLink,
    GenerateScheme,
    GetWxaCode,
    GetWxaCodeUnlimit,
    MsgSecCheck,
}

#[derive(Clone, Copy)]
enum Methods {
    Get,
    Post,
    GetOrPost,
}

struct Route {
    path: &'static str,
    methods: Methods,
    endpoint: Endpoint,
}

const fn route(path: &'static str, methods: Methods, endpoint: Endpoint) -> Route {
    Route {
        path,
        methods,
        endpoint,
    }
}

const ROUTES: &[Route] = &[
    route("/cgi-bin/token", Methods::Get, Endpoint::Open(Open::Token)),
    route(
        "/cgi-bin/stable_token",
        Methods::Post,
        Endpoint::Open(Open::StableToken),
    ),
    route(
        "/sns/jscode2session",
        Methods::Get,
        Endpoint::Open(Open::JsCode2Session),
    ),
    route(
        "/cgi-bin/user/info",
        Methods::Get,
        Endpoint::Protected(Protected::UserInfo),
    ),
    // PowerWeChat fetches the ticket with POST.
    route(
        "/cgi-bin/ticket/getticket",
        Methods::GetOrPost,
        Endpoint::Protected(Protected::GetTicket),
    ),
    route(
        "/cgi-bin/message/subscribe/send",
        Methods::Post,
        Endpoint::Protected(Protected::SubscribeSend),
    ),
    route(
        "/cgi-bin/message/template/subscribe",
        Methods::Post,
        Endpoint::Protected(Protected::TemplateSubscribe),
    ),
    route(
        "/wxa/generate_urllink",
        Methods::Post,
        Endpoint::Protected(Protected::GenerateUrlLink),
    ),
    route(
        "/wxa/generatescheme",
        Methods::Post,
        Endpoint::Protected(Protected::GenerateScheme),
    ),
    route(
        "/wxa/getwxacode",
        Methods::Post,
        Endpoint::Protected(Protected::GetWxaCode),
    ),
    route(
        "/wxa/getwxacodeunlimit",
        Methods::Post,
        Endpoint::Protected(Protected::GetWxaCodeUnlimit),
    ),
    route(
        "/wxa/msg_sec_check",
        Methods::Post,
        Endpoint::Protected(Protected::MsgSecCheck),
    ),
];

/// wiremock's handler: every request goes through the shared state.
struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: Query = request.url.query_pairs().into_owned().collect();
        let path = request.url.path();
        let mut state = lock(&self.0);
        state.record(path, &query, &request.body);
        let delay = state.delays.get(path).copied().unwrap_or_default();
        let redirect = state.redirects.get_mut(path).and_then(VecDeque::pop_front);
        let template = match redirect {
            Some((status, location)) => ResponseTemplate::new(status).insert_header("Location", location),
            None => state
                .handle(&request.method, path, &query, &request.body)
                .into_template(),
        };
        template.set_delay(delay)
    }
}

/// A WeChat business error: errcode and errmsg before the rid suffix.
struct WxError {
    code: i64,
    message: String,
}

impl WxError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        WxError {
            code,
            message: message.into(),
        }
    }

    fn body(&self) -> Value {
        json!({"errcode": self.code, "errmsg": format!("{}, rid: {}", self.message, request_id())})
    }
}

impl From<i64> for WxError {
    fn from(code: i64) -> Self {
        WxError::new(code, errmsg(code))
    }
}

enum Reply {
    Json { status: u16, body: Value },
    Jpeg,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Reply::Json { status: 200, body }
    }

    fn into_template(self) -> ResponseTemplate {
        match self {
            Reply::Json { status, body } => {
                ResponseTemplate::new(status).set_body_raw(body.to_string(), JSON_CONTENT_TYPE)
            }
            Reply::Jpeg => ResponseTemplate::new(200)
                .set_body_raw(FAKE_JPEG, "image/jpeg")
                .insert_header("Content-Disposition", "attachment; filename=\"wxacode.jpg\""),
        }
    }
}

impl From<WxError> for Reply {
    fn from(error: WxError) -> Self {
        Reply::ok(error.body())
    }
}

type Outcome = Result<Reply, WxError>;

impl State {
    fn record(&mut self, path: &str, query: &Query, body: &[u8]) {
        let log = self.calls.entry(path.to_owned()).or_default();
        log.count += 1;
        log.query = query.clone();
        log.body = serde_json::from_slice(body).ok();
    }

    fn handle(&mut self, method: &Method, path: &str, query: &Query, body: &[u8]) -> Reply {
        let Some(route) = ROUTES.iter().find(|route| route.path == path) else {
            return Reply::Json {
                status: 404,
                body: WxError::from(40066).body(),
            };
        };
        let outcome = match (route.methods, method) {
            (Methods::Get, method) if method != Method::GET => Err(43001.into()),
            (Methods::Post, method) if method != Method::POST => Err(43002.into()),
            (Methods::GetOrPost, method) if method != Method::GET && method != Method::POST => {
                Err(43002.into())
            }
            _ => self.dispatch(route.endpoint, path, query, body),
        };
        outcome.unwrap_or_else(Reply::from)
    }

    fn dispatch(&mut self, endpoint: Endpoint, path: &str, query: &Query, body: &[u8]) -> Outcome {
        let now = Instant::now();
        match endpoint {
            Endpoint::Open(open) => {
                self.forced_failure(path)?;
                match open {
                    Open::Token => self.plain_token(query, now),
                    Open::StableToken => self.stable_token(body, now),
                    Open::JsCode2Session => self.jscode2session(query, now),
                }
            }
            Endpoint::Protected(protected) => {
                let appid = self.token_owner(query, now)?;
                // After the token check, so a forced 40001 looks like WeChat
                // rejecting a token that looked fine.
                self.forced_failure(path)?;
                match protected {
                    Protected::UserInfo => self.user_info(&appid, query),
                    Protected::GetTicket => self.ticket(&appid, query),
                    Protected::SubscribeSend => subscribe_send(body),
                    Protected::TemplateSubscribe => template_subscribe(body),
                    Protected::GenerateUrlLink => {
                        json_object(body)?;
                        let url_link = format!("https://wxaurl.cn/{}", random_text(ALPHANUMERIC, 12));
                        Ok(Reply::ok(
                            json!({"errcode": 0, "errmsg": "ok", "url_link": url_link}),
                        ))
                    }
                    Protected::GenerateScheme => {
                        json_object(body)?;
                        let openlink = format!("weixin://dl/business/?t={}", random_text(ALPHANUMERIC, 11));
                        Ok(Reply::ok(
                            json!({"errcode": 0, "errmsg": "ok", "openlink": openlink}),
                        ))
                    }
                    Protected::GetWxaCode => {
                        text(&json_object(body)?, "path").ok_or(41030)?;
                        Ok(Reply::Jpeg)
                    }
                    Protected::GetWxaCodeUnlimit => {
                        let body = json_object(body)?;
                        text(&body, "scene")
                            .filter(|scene| scene.chars().count() <= 32)
                            .ok_or(40169)?;
                        Ok(Reply::Jpeg)
                    }
                    Protected::MsgSecCheck => msg_sec_check(body),
                }
            }
        }
    }

    fn forced_failure(&mut self, path: &str) -> Result<(), WxError> {
        match self.failures.get_mut(path).and_then(VecDeque::pop_front) {
            Some(errcode) => Err(errcode.into()),
            None => Ok(()),
        }
    }

    /// The app the query's access token belongs to.
    fn token_owner(&self, query: &Query, now: Instant) -> Result<String, WxError> {
        let token = param(query, "access_token").ok_or(41001)?;
        let token = self.tokens.get(token).ok_or(40001)?;
        token.check(now)?;
        Ok(token.appid.clone())
    }

    /// Checks a token request's credentials and returns its appid.
    fn authenticate(
        &self,
        grant_type: Option<&str>,
        appid: Option<&str>,
        secret: Option<&str>,
    ) -> Result<String, WxError> {
        if grant_type != Some("client_credential") {
            return Err(40002.into());
        }
        let appid = appid.unwrap_or_default();
        let app = self.apps.get(appid).ok_or(40013)?;
        if secret != Some(app.secret.as_str()) {
            return Err(40001.into());
        }
        Ok(appid.to_owned())
    }

    fn mint_token(&mut self, appid: &str, now: Instant) -> String {
        let token = random_text(TOKEN_ALPHABET, TOKEN_LENGTH);
        let state = Token {
            appid: appid.to_owned(),
            expires_at: now + self.token_lifetime,
            revoked_at: None,
            refused: false,
        };
        self.tokens.insert(token.clone(), state);
        token
    }

    /// The success answer of both token endpoints, which carries no errcode.
    fn hand_out_token(&mut self, appid: &str, token: &str, now: Instant) -> Reply {
        *self.token_fetches.entry(appid.to_owned()).or_default() += 1;
        let expires_in = seconds_left(self.tokens[token].expires_at, now);
        Reply::ok(json!({"access_token": token, "expires_in": expires_in}))
    }

    /// `GET /cgi-bin/token`: a new token on every call.
    fn plain_token(&mut self, query: &Query, now: Instant) -> Outcome {
        let appid = self.authenticate(
            param(query, "grant_type"),
            param(query, "appid"),
            param(query, "secret"),
        )?;
        let token = self.mint_token(&appid, now);
        let app = self.apps.get_mut(&appid).expect("authenticated app");
        if let Some(previous) = app.plain_token.replace(token.clone()) {
            self.tokens.get_mut(&previous).expect("minted token").revoked_at = Some(now + TOKEN_GRACE);
        }
        Ok(self.hand_out_token(&appid, &token, now))
    }

    /// `POST /cgi-bin/stable_token`: the same token while it is valid, unless
    /// `force_refresh` replaces it at once.
    fn stable_token(&mut self, body: &[u8], now: Instant) -> Outcome {
        let body = json_object(body)?;
        let field = |key| body.get(key).and_then(Value::as_str);
        let appid = self.authenticate(field("grant_type"), field("appid"), field("secret"))?;
        let force_refresh = body.get("force_refresh") == Some(&Value::Bool(true));
        if force_refresh {
            *self.forced_refreshes.entry(appid.clone()).or_default() += 1;
        }
        let current = self.apps[&appid]
            .stable_token
            .clone()
            .filter(|token| !force_refresh && self.tokens[token].check_current(now).is_ok());
        let token = match current {
            Some(token) => token,
            None => {
                let token = self.mint_token(&appid, now);
                let previous = self
                    .apps
                    .get_mut(&appid)
                    .expect("authenticated app")
                    .stable_token
                    .replace(token.clone());
                if let Some(previous) = previous.filter(|_| force_refresh) {
                    self.tokens.get_mut(&previous).expect("minted token").revoked_at = Some(now);
                }
                token
            }
        };
        Ok(self.hand_out_token(&appid, &token, now))
    }

    /// `GET /sns/jscode2session`: exchanges a wx.login code once.
    fn jscode2session(&mut self, query: &Query, now: Instant) -> Outcome {
        let appid = param(query, "appid").unwrap_or_default();
        let app = self.apps.get(appid).ok_or(40013)?;
        if param(query, "secret") != Some(app.secret.as_str()) {
            return Err(40125.into());
        }
        if param(query, "grant_type") != Some("authorization_code") {
            return Err(40002.into());
        }
        let code = param(query, "js_code").ok_or(41008)?;
        let code = self
            .codes
            .get_mut(code)
            .filter(|code| code.appid == appid)
            .ok_or(40029)?;
        if code.used {
            return Err(40163.into());
        }
        if code.expires_at <= now {
            return Err(40029.into());
        }
        code.used = true;
        let session = &code.session;
        Ok(Reply::ok(without_nulls(json!({
            "session_key": session.session_key,
            "openid": session.openid,
            "unionid": session.unionid,
        }))))
    }

    /// `GET /cgi-bin/user/info` for a follower of the token's official account.
    fn user_info(&self, appid: &str, query: &Query) -> Outcome {
        let openid = param(query, "openid").ok_or(40003)?;
        let unionid = self
            .followers
            .get(&(appid.to_owned(), openid.to_owned()))
            .ok_or(40003)?;
        Ok(Reply::ok(without_nulls(json!({
            "subscribe": 1,
            "openid": openid,
            "language": "zh_CN",
            "subscribe_time": 1382694957,
            "unionid": unionid,
            "remark": "",
            "groupid": 0,
            "tagid_list": [],
            "subscribe_scene": "ADD_SCENE_QR_CODE",
            "qr_scene": 0,
            "qr_scene_str": "",
        }))))
    }

    /// `/cgi-bin/ticket/getticket?type=jsapi` for the token's app.
    fn ticket(&mut self, appid: &str, query: &Query) -> Outcome {
        if param(query, "type") != Some("jsapi") {
            return Err(40097.into());
        }
        let ticket = self
            .jsapi_tickets
            .get(appid)
            .cloned()
            .unwrap_or_else(|| format!("jsapi-ticket-{appid}"));
        *self.ticket_fetches.entry(appid.to_owned()).or_default() += 1;
        let expires_in = self.token_lifetime.as_secs();
        Ok(Reply::ok(
            json!({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": expires_in}),
        ))
    }
}

/// `POST /cgi-bin/message/subscribe/send` (mini-program subscribe message).
fn subscribe_send(body: &[u8]) -> Outcome {
    let body = json_object(body)?;
    text(&body, "touser").ok_or(40003)?;
    text(&body, "template_id").ok_or(40037)?;
    check_template_data(&body, &[])?;
    // Above 2^53, so a client that reads it as f64 loses digits and a test notices.
    let msgid: u64 = rand::random_range((1 << 60)..(1 << 62));
    Ok(Reply::ok(json!({"errcode": 0, "errmsg": "ok", "msgid": msgid})))
}

/// `POST /cgi-bin/message/template/subscribe` (official account one-time
/// subscribe message), whose data is `{"content": {"value": ..., "color": ...}}`.
fn template_subscribe(body: &[u8]) -> Outcome {
    let body = json_object(body)?;
    text(&body, "touser").ok_or(40003)?;
    text(&body, "template_id").ok_or(40037)?;
    text(&body, "scene").ok_or(47001)?;
    text(&body, "title").ok_or(47001)?;
    check_template_data(&body, &["content"])?;
    Ok(Reply::ok(json!({"errcode": 0, "errmsg": "ok"})))
}

/// Template data is `{"<key>": {"value": ...}}`; WeChat's 47003 errmsg names
/// the offending field.
fn check_template_data(body: &Map<String, Value>, required: &[&str]) -> Result<(), WxError> {
    let data = body
        .get("data")
        .and_then(Value::as_object)
        .filter(|data| !data.is_empty())
        .ok_or_else(|| WxError::new(47003, "argument invalid! data is empty"))?;
    let keys = required.iter().copied().chain(data.keys().map(String::as_str));
    for key in keys {
        let value = data.get(key).and_then(|item| item.get("value"));
        if value.is_none_or(Value::is_null) {
            return Err(WxError::new(
                47003,
                format!("argument invalid! data.{key}.value is empty"),
            ));
        }
    }
    Ok(())
}

/// `POST /wxa/msg_sec_check`: version 2 reports the verdict in `result`,
/// anything else is answered like version 1 (87014 for risky text).
fn msg_sec_check(body: &[u8]) -> Outcome {
    let body = json_object(body)?;
    let content = body.get("content").and_then(Value::as_str).ok_or(47001)?;
    let risky = RISKY_TEST_CONTENT.iter().any(|sample| content.contains(sample));
    let version_2 = body
        .get("version")
        .is_some_and(|version| *version == 2 || *version == "2");
    if !version_2 {
        return if risky {
            Err(87014.into())
        } else {
            Ok(Reply::ok(json!({"errcode": 0, "errmsg": "ok"})))
        };
    }
    text(&body, "openid").ok_or(40003)?;
    // Scenes: 1 profile, 2 comment, 3 forum, 4 social log.
    let scene = body.get("scene").and_then(Value::as_u64);
    if !scene.is_some_and(|scene| (1..=4).contains(&scene)) {
        return Err(40097.into());
    }
    let (suggest, label) = if risky { ("risky", 20001) } else { ("pass", 100) };
    Ok(Reply::ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "result": {"suggest": suggest, "label": label},
        "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}],
        "trace_id": request_id(),
    })))
}

/// A POST body as a JSON object: empty is 44002, anything else not an
/// object is 47001, as WeChat answers.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(44002.into());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(47001.into()),
    }
}

/// A non-empty query parameter.
fn param<'a>(query: &'a Query, key: &str) -> Option<&'a str> {
    query
        .get(key)
        .map(String::as_str)
        .filter(|value| !value.is_empty())
}

/// A non-empty string field of a JSON body.
fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|value| !value.is_empty())
}

/// Drops the null fields of an object: WeChat omits `unionid` when the app is
/// not bound to an Open Platform account.
fn without_nulls(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.retain(|_, field| !field.is_null());
    }
    value
}

/// Whole seconds left, rounded up so a valid token never reports 0.
fn seconds_left(expires_at: Instant, now: Instant) -> u64 {
    let left = expires_at.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

fn random_text(alphabet: &[u8], length: usize) -> String {
    (0..length)
        .map(|_| char::from(alphabet[rand::random_range(0..alphabet.len())]))
        .collect()
}

/// Shaped like WeChat's rid and trace_id, e.g. `652d44d0-1d0af18b-5b069232`.
fn request_id() -> String {
    let [a, b, c]: [u32; 3] = rand::random();
    format!("{a:08x}-{b:08x}-{c:08x}")
}

/// WeChat's errmsg for an errcode, without the rid suffix.
fn errmsg(errcode: i64) -> &'static str {
    match errcode {
        -1 => "system error",
        40001 => "invalid credential, access_token is invalid or not latest",
        40002 => "invalid grant_type",
        40003 => "invalid openid",
        40013 => "invalid appid",
        40014 => "invalid access_token",
        40029 => "invalid code",
        40037 => "invalid template_id",
        40066 => "invalid url",
        40097 => "invalid args",
        40125 => "invalid appsecret",
        40163 => "code been used",
        40164 => "invalid ip 127.0.0.1 ipv6 ::ffff:127.0.0.1, not in whitelist",
        40165 => "invalid weapp pagepath",
        40169 => "invalid length for scene, or the data is not json string",
        40212 => "invalid query",
        40226 => "code blocked",
        41001 => "access_token missing",
        41008 => "missing code",
        41030 => "invalid page",
        42001 => "access_token expired",
        43001 => "require GET method",
        43002 => "require POST method",
        43101 => "user refuse to accept the msg",
        44002 => "empty post data",
        45009 => "reach max api daily quota limit",
        45011 => "api minute-quota reach limit mustslower retry next minute",
        47001 => "data format error",
        47003 => "argument invalid!",
        48001 => "api unauthorized",
        85079 => "miniprogram has no online release",
        85400 => "reach max long time quota limit",
        87014 => "risky content",
        _ => "forced error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MP: &str = "wxminiprogram0001";
    const MP_SECRET: &str = "mp-secret";
    const OA: &str = "wxofficialacct001";
    const OA_SECRET: &str = "oa-secret";

    struct Answer {
        status: u16,
        content_type: String,
        bytes: Vec<u8>,
    }

    impl Answer {
        fn json(&self) -> Value {
            serde_json::from_slice(&self.bytes).expect("a JSON answer")
        }

        fn errcode(&self) -> i64 {
            assert_eq!(self.status, 200);
            assert_eq!(self.content_type, JSON_CONTENT_TYPE);
            self.json()["errcode"].as_i64().expect("an errcode")
        }
    }

    async fn call(method: Method, url: String, body: Option<&str>) -> Answer {
        let mut request = reqwest::Client::new().request(method, url);
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_owned());
        }
        let response = request.send().await.expect("the fake answers");
        let content_type = response
            .headers()
            .get("content-type")
            .map_or("", |value| value.to_str().unwrap());
        Answer {
            status: response.status().as_u16(),
            content_type: content_type.to_owned(),
            bytes: response.bytes().await.unwrap().to_vec(),
        }
    }

    async fn get(fake: &FakeWechat, target: &str) -> Answer {
        call(Method::GET, format!("{}{target}", fake.uri()), None).await
    }

    async fn post(fake: &FakeWechat, target: &str, body: &str) -> Answer {
        call(Method::POST, format!("{}{target}", fake.uri()), Some(body)).await
    }

    async fn stable_token(fake: &FakeWechat, appid: &str, secret: &str, force_refresh: bool) -> Answer {
        let body = json!({"grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force_refresh});
        post(fake, "/cgi-bin/stable_token", &body.to_string()).await
    }

    /// A fake with both apps registered, and a valid token of each.
    async fn fake_with_tokens() -> (FakeWechat, String, String) {
        let fake = FakeWechat::start().await;
        fake.add_app(MP, MP_SECRET);
        fake.add_app(OA, OA_SECRET);
        let mp = stable_token(&fake, MP, MP_SECRET, false).await.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let oa = stable_token(&fake, OA, OA_SECRET, false).await.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        (fake, mp, oa)
    }

    #[tokio::test]
    async fn stable_token_is_idempotent_until_forced_or_expired() {
        let fake = FakeWechat::start().await;
        fake.add_app(MP, MP_SECRET);

        assert_eq!(
            stable_token(&fake, "wxunknown", MP_SECRET, false).await.errcode(),
            40013
        );
        assert_eq!(stable_token(&fake, MP, "wrong", false).await.errcode(), 40001);
        let wrong_grant = json!({"grant_type": "password", "appid": MP, "secret": MP_SECRET});
        assert_eq!(
            post(&fake, "/cgi-bin/stable_token", &wrong_grant.to_string())
                .await
                .errcode(),
            40002
        );
        assert_eq!(fake.token_fetches(MP), 0);

        let first = stable_token(&fake, MP, MP_SECRET, false).await;
        assert_eq!(first.content_type, JSON_CONTENT_TYPE);
        let first = first.json();
        assert!(first.get("errcode").is_none(), "{first}");
        assert_eq!(first["expires_in"], 7200);
        let token = first["access_token"].as_str().unwrap().to_owned();
        assert!(
            token.len() >= 100 && token.bytes().all(|b| TOKEN_ALPHABET.contains(&b)),
            "{token}"
        );
        let again = stable_token(&fake, MP, MP_SECRET, false).await.json();
        assert_eq!(again["access_token"], token.as_str());
        assert!(
            (7199..=7200).contains(&again["expires_in"].as_u64().unwrap()),
            "{again}"
        );
        assert_eq!(fake.token_fetches(MP), 2);
        assert_eq!(fake.current_token(MP), Some(token.clone()));

        // force_refresh replaces the token at once.
        let forced = stable_token(&fake, MP, MP_SECRET, true).await.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(forced, token);
        let link = |token: &str| format!("/wxa/generate_urllink?access_token={token}");
        assert_eq!(post(&fake, &link(&token), "{}").await.errcode(), 40001);
        assert_eq!(post(&fake, &link(&forced), "{}").await.errcode(), 0);

        // Expired tokens answer 42001 and normal mode mints a new one.
        fake.expire_tokens(MP);
        assert_eq!(fake.current_token(MP), None);
        assert_eq!(post(&fake, &link(&forced), "{}").await.errcode(), 42001);
        fake.set_token_lifetime(60);
        let fresh = stable_token(&fake, MP, MP_SECRET, false).await.json();
        assert_ne!(fresh["access_token"], forced.as_str());
        assert_eq!(fresh["expires_in"], 60);
        assert_eq!(fake.token_fetches(MP), 4);
    }

    #[tokio::test]
    async fn plain_tokens_are_separate_and_keep_a_grace() {
        let (fake, stable, _) = fake_with_tokens().await;
        let token_url =
            format!("/cgi-bin/token?grant_type=client_credential&appid={MP}&secret={MP_SECRET}&neededText=");
        let first = get(&fake, &token_url).await.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let second = get(&fake, &token_url).await.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(first, second);
        assert_ne!(first, stable);
        for token in [&stable, &first, &second] {
            let ticket = get(
                &fake,
                &format!("/cgi-bin/ticket/getticket?access_token={token}&type=jsapi"),
            )
            .await;
            assert_eq!(ticket.errcode(), 0);
        }
        assert_eq!(fake.token_fetches(MP), 3);
        assert_eq!(fake.ticket_fetches(MP), 3);
        assert_eq!(
            get(
                &fake,
                "/cgi-bin/token?grant_type=client_credential&appid=wxnope&secret=x"
            )
            .await
            .errcode(),
            40013
        );
        // The stable token is unaffected by /cgi-bin/token.
        assert_eq!(fake.current_token(MP), Some(stable));
    }

    #[tokio::test]
    async fn token_checks_come_before_forced_failures() {
        let (fake, mp, _) = fake_with_tokens().await;
        let link = format!("/wxa/generate_urllink?access_token={mp}");
        assert_eq!(post(&fake, "/wxa/generate_urllink", "{}").await.errcode(), 41001);
        assert_eq!(
            post(&fake, "/wxa/generate_urllink?access_token=nope", "{}")
                .await
                .errcode(),
            40001
        );

        fake.fail_next("/wxa/generate_urllink", 40001);
        assert_eq!(
            post(&fake, "/wxa/generate_urllink?access_token=nope", "{}")
                .await
                .errcode(),
            40001
        );
        let forced = post(&fake, &link, "{}").await.json();
        assert_eq!(forced["errcode"], 40001);
        let errmsg = forced["errmsg"].as_str().unwrap();
        assert!(
            errmsg.starts_with("invalid credential, access_token is invalid or not latest, rid: "),
            "{errmsg}"
        );
        let ok = post(&fake, &link, r#"{"path":"pages/index","query":"a=1"}"#)
            .await
            .json();
        assert_eq!(ok["errcode"], 0);
        assert!(
            ok["url_link"].as_str().unwrap().starts_with("https://wxaurl.cn/"),
            "{ok}"
        );

        assert_eq!(fake.calls("/wxa/generate_urllink"), 5);
        assert_eq!(
            fake.last_body("/wxa/generate_urllink"),
            Some(json!({"path": "pages/index", "query": "a=1"}))
        );
        assert_eq!(
            fake.last_query("/wxa/generate_urllink").unwrap()["access_token"],
            mp
        );

        assert_eq!(get(&fake, &link).await.errcode(), 43002);
        let unknown = get(&fake, "/cgi-bin/nothing").await;
        assert_eq!(
            (unknown.status, unknown.json()["errcode"].as_i64()),
            (404, Some(40066))
        );
    }

    #[tokio::test]
    async fn login_codes_are_single_use_and_expire() {
        let fake = FakeWechat::start().await;
        fake.add_app(MP, MP_SECRET);
        fake.add_app(OA, OA_SECRET);
        let session = |unionid: Option<&str>| LoginSession {
            openid: "o-openid".into(),
            session_key: "tiihtNczf5v6AKRyjwEUhQ==".into(),
            unionid: unionid.map(str::to_owned),
        };
        fake.add_login_code(MP, "code-a", session(Some("u-union")));
        fake.add_login_code(MP, "code-b", session(None));
        fake.add_login_code(MP, "code-c", session(None));
        let login = |appid: &str, secret: &str, code: &str| {
            format!(
                "/sns/jscode2session?appid={appid}&secret={secret}&js_code={code}&grant_type=authorization_code&access_token=stray"
            )
        };

        assert_eq!(
            get(&fake, &login("wxnope", MP_SECRET, "code-a")).await.errcode(),
            40013
        );
        assert_eq!(get(&fake, &login(MP, "wrong", "code-a")).await.errcode(), 40125);
        assert_eq!(get(&fake, &login(OA, OA_SECRET, "code-a")).await.errcode(), 40029);
        assert_eq!(
            get(&fake, &login(MP, MP_SECRET, "unknown")).await.errcode(),
            40029
        );

        let first = get(&fake, &login(MP, MP_SECRET, "code-a")).await.json();
        assert_eq!(
            first,
            json!({"session_key": "tiihtNczf5v6AKRyjwEUhQ==", "openid": "o-openid", "unionid": "u-union"})
        );
        let reused = get(&fake, &login(MP, MP_SECRET, "code-a")).await.json();
        assert_eq!(reused["errcode"], 40163);
        assert!(
            reused["errmsg"]
                .as_str()
                .unwrap()
                .starts_with("code been used, rid: "),
            "{reused}"
        );

        let without_union = get(&fake, &login(MP, MP_SECRET, "code-b")).await.json();
        assert_eq!(
            without_union,
            json!({"session_key": "tiihtNczf5v6AKRyjwEUhQ==", "openid": "o-openid"})
        );

        fake.expire_login_code("code-c");
        assert_eq!(get(&fake, &login(MP, MP_SECRET, "code-c")).await.errcode(), 40029);
    }

    #[tokio::test]
    async fn followers_and_jsapi_tickets_belong_to_the_token_app() {
        let (fake, mp, oa) = fake_with_tokens().await;
        fake.add_follower(OA, "o-follower", Some("u-union"));
        fake.add_follower(OA, "o-unbound", None);
        fake.set_jsapi_ticket(
            OA,
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
        );

        let info = |token: &str, openid: &str| {
            format!("/cgi-bin/user/info?access_token={token}&openid={openid}&lang=zh_CN")
        };
        let follower = get(&fake, &info(&oa, "o-follower")).await.json();
        assert!(follower.get("errcode").is_none(), "{follower}");
        assert_eq!(
            (&follower["subscribe"], &follower["unionid"]),
            (&json!(1), &json!("u-union"))
        );
        assert!(
            get(&fake, &info(&oa, "o-unbound"))
                .await
                .json()
                .get("unionid")
                .is_none()
        );
        assert_eq!(get(&fake, &info(&oa, "o-stranger")).await.errcode(), 40003);
        assert_eq!(get(&fake, &info(&mp, "o-follower")).await.errcode(), 40003);

        let ticket_url = format!("/cgi-bin/ticket/getticket?access_token={oa}&type=jsapi");
        let by_get = get(&fake, &ticket_url).await.json();
        assert_eq!(by_get["errcode"], 0);
        assert_eq!(
            by_get["ticket"],
            "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
        );
        assert_eq!(by_get["expires_in"], 7200);
        assert_eq!(
            post(&fake, &ticket_url, "").await.json()["ticket"],
            by_get["ticket"]
        );
        let wx_card = format!("/cgi-bin/ticket/getticket?access_token={oa}&type=wx_card");
        assert_eq!(get(&fake, &wx_card).await.errcode(), 40097);
        assert_eq!((fake.ticket_fetches(OA), fake.ticket_fetches(MP)), (2, 0));
    }

    #[tokio::test]
    async fn messages_check_their_fields() {
        let (fake, mp, oa) = fake_with_tokens().await;
        let send = format!("/cgi-bin/message/subscribe/send?access_token={mp}");
        assert_eq!(post(&fake, &send, "").await.errcode(), 44002);
        assert_eq!(post(&fake, &send, "touser=o").await.errcode(), 47001);
        assert_eq!(
            post(&fake, &send, r#"{"template_id":"t","data":{}}"#)
                .await
                .errcode(),
            40003
        );
        assert_eq!(
            post(&fake, &send, r#"{"touser":"o","data":{}}"#).await.errcode(),
            40037
        );
        let bad_data = post(
            &fake,
            &send,
            r#"{"touser":"o","template_id":"t","data":{"thing1":{}}}"#,
        )
        .await
        .json();
        assert_eq!(bad_data["errcode"], 47003);
        assert!(
            bad_data["errmsg"]
                .as_str()
                .unwrap()
                .starts_with("argument invalid! data.thing1.value")
        );
        let sent = post(
            &fake,
            &send,
            r#"{"touser":"o","template_id":"t","data":{"thing1":{"value":"hi"}}}"#,
        )
        .await;
        let sent = sent.json();
        assert_eq!((&sent["errcode"], &sent["errmsg"]), (&json!(0), &json!("ok")));
        assert!(sent["msgid"].as_u64().unwrap() > 1 << 53, "{sent}");

        let once = format!("/cgi-bin/message/template/subscribe?access_token={oa}");
        let mut message = json!({
            "touser": "o", "template_id": "t", "scene": "1000", "title": "title",
            "data": {"content": {"value": "hello", "color": "#FF0000"}}
        });
        assert_eq!(
            post(&fake, &once, &message.to_string()).await.json(),
            json!({"errcode": 0, "errmsg": "ok"})
        );
        message["data"] = json!({"other": {"value": "x"}});
        assert_eq!(post(&fake, &once, &message.to_string()).await.errcode(), 47003);
        message.as_object_mut().unwrap().remove("scene");
        assert_eq!(post(&fake, &once, &message.to_string()).await.errcode(), 47001);

        let scheme = format!("/wxa/generatescheme?access_token={mp}");
        let openlink = post(&fake, &scheme, r#"{"jump_wxa":{"path":"pages/index"}}"#)
            .await
            .json();
        assert!(
            openlink["openlink"]
                .as_str()
                .unwrap()
                .starts_with("weixin://dl/business/?t=")
        );
        assert_eq!(post(&fake, &scheme, "not json").await.errcode(), 47001);
    }

    #[tokio::test]
    async fn wxacodes_are_jpeg_images() {
        let (fake, mp, _) = fake_with_tokens().await;
        assert_eq!(&FAKE_JPEG[..3], &[0xFF, 0xD8, 0xFF]);
        assert_eq!(&FAKE_JPEG[FAKE_JPEG.len() - 2..], &[0xFF, 0xD9]);

        let code = post(
            &fake,
            &format!("/wxa/getwxacode?access_token={mp}"),
            r#"{"path":"pages/index?a=1"}"#,
        )
        .await;
        assert_eq!((code.status, code.content_type.as_str()), (200, "image/jpeg"));
        assert_eq!(code.bytes, FAKE_JPEG);
        let unlimit = format!("/wxa/getwxacodeunlimit?access_token={mp}");
        assert_eq!(
            post(&fake, &unlimit, r#"{"scene":"a=1","page":"pages/index"}"#)
                .await
                .bytes,
            FAKE_JPEG
        );

        assert_eq!(
            post(&fake, &format!("/wxa/getwxacode?access_token={mp}"), "{}")
                .await
                .errcode(),
            41030
        );
        let long_scene = json!({"scene": "x".repeat(33)}).to_string();
        assert_eq!(post(&fake, &unlimit, &long_scene).await.errcode(), 40169);
    }

    #[tokio::test]
    async fn content_security_answers_v2_and_v1() {
        let (fake, mp, _) = fake_with_tokens().await;
        let check = format!("/wxa/msg_sec_check?access_token={mp}");
        let v2 =
            |content: &str| json!({"content": content, "version": 2, "scene": 2, "openid": "o"}).to_string();

        let pass = post(&fake, &check, &v2("hello")).await.json();
        assert_eq!(
            (&pass["errcode"], &pass["result"]),
            (&json!(0), &json!({"suggest": "pass", "label": 100}))
        );
        assert_eq!(pass["detail"][0]["strategy"], "content_model");
        let risky = post(&fake, &check, &v2(&format!("say {}", RISKY_TEST_CONTENT[0])))
            .await
            .json();
        assert_eq!(
            (&risky["errcode"], &risky["result"]),
            (&json!(0), &json!({"suggest": "risky", "label": 20001}))
        );
        let no_openid = json!({"content": "hello", "version": 2, "scene": 2}).to_string();
        assert_eq!(post(&fake, &check, &no_openid).await.errcode(), 40003);

        let v1 = |content: &str| json!({ "content": content }).to_string();
        assert_eq!(
            post(&fake, &check, &v1(RISKY_TEST_CONTENT[1])).await.errcode(),
            87014
        );
        assert_eq!(
            post(&fake, &check, &v1("hello")).await.json(),
            json!({"errcode": 0, "errmsg": "ok"})
        );
    }
}

/// docs/wechat.md's test vector B: 144 bytes of user data (a whole block of
/// padding), encrypted for mini-program `APP_ID`. The fake has no part in
/// it: `Decrypt` is local computation.
pub mod vector_b {
    pub const APP_ID: &str = "wxfakeappid00001";
    pub const ENCRYPTED_DATA: &str = "rQnewQGrqmy6pt+mhOiJEQE4hObwk6L3cxM6HiUs1EzauXb2STXxMhh5xNeIjjhmX9bjUfUW5IKkm34COnAHJdqM70eU85zmvAuobiojIqWbD527l5KSpkq44PYP/AFvI+SQUej+yaZnU+2Eq18eVPJPkZi3ND7rwe4yTdiKEM3kE8WsQWhw+RSZwc6njNsUz0iScOVzCairZA1wQQQ/vA==";
    pub const IV: &str = "ZmFrZS1pdi0xNmJ5dGVzIQ==";
    pub const SESSION_KEY: &str = "ZmFrZS1zZXNzaW9uLWtleQ==";
}
