//! `apps`: create an app, show it, change it, seal its secrets.

use clap::{Args, Subcommand};
use oauthapp_shared::auth::token::access_token_lifetime;
use oauthapp_shared::config;
use oauthapp_shared::domain::app_property::{self, AppProperties, PropertyCode};
use oauthapp_shared::domain::currency::{self, AppCurrencies, ExchangeRate};
use oauthapp_shared::domain::validate::Rule;
use oauthapp_shared::domain::verification::{self, Purpose, SmsProvider, VerificationSettings, Verify};
use oauthapp_shared::domain::{
    App, AppCard, PasswordPolicy, QrMode, Secret, UnionIdProof, WechatAccount, WechatCallers, WechatSettings,
    clock, validate, web_origin,
};
use oauthapp_shared::store::{AppChanges, NewApp, Resealed, Store};
use oauthapp_shared::wechat::Wechat;
use serde_json::{Value, json};
use time::UtcOffset;

use crate::args::{keeping, text};
use crate::output::CliError;

#[derive(Subcommand)]
pub enum Command {
    /// Creates an app and prints its id, key and secret; the secret is
    /// shown only this once.
    Create {
        /// Name on the app card.
        #[arg(long, value_parser = text::<1, 100>)]
        name: String,
        /// Key the app's clients name it by; a random one when omitted.
        #[arg(long, value_parser = app_key)]
        key: Option<String>,
        #[command(flatten)]
        fields: Fields,
    },
    /// Shows an app, its secret masked.
    Show { app_id: u64 },
    /// Changes an app; what is not given stays as it is.
    #[command(mut_group("fields", |group| group.required(true)))]
    Set {
        app_id: u64,
        /// Name on the app card.
        #[arg(long, value_parser = text::<1, 100>, group = "fields")]
        name: Option<String>,
        /// How users prove a union id: none, signature or wechat_code.
        #[arg(long, group = "fields")]
        union_id_proof: Option<UnionIdProof>,
        /// Passwords users may choose: standard (new apps: 8–64 characters,
        /// not a common one, not the user name) or legacy (the seed's 6–64).
        #[arg(long, group = "fields")]
        password_policy: Option<PasswordPolicy>,
        /// QR sign-in: strict (PKCE-bound page, first scan claims the key;
        /// new apps) or legacy (the seed's flow).
        #[arg(long, group = "fields")]
        qr_mode: Option<QrMode>,
        /// Origins of the web pages whose browsers may read the API's
        /// answers, comma-separated (https://a.example,http://127.0.0.1:8080);
        /// an empty value lists none.
        #[arg(long, value_parser = web_origins, group = "fields")]
        web_origins: Option<WebOrigins>,
        /// Unauthenticated requests per route class, source address and
        /// minute (0: no limit); apps never given one follow the
        /// deployment's RATE_LIMIT_PER_IP_PER_MINUTE.
        #[arg(long, group = "fields")]
        rate_limit_per_ip: Option<u32>,
        /// Seconds the app's access tokens live (60 to 86400); sessions go
        /// on through refresh tokens. Apps never given one use 86400.
        #[arg(long, value_parser = clap::value_parser!(u32).range(60..=86_400), group = "fields")]
        access_token_lifetime: Option<u32>,
        #[command(flatten)]
        wechat: Box<WechatArgs>,
        #[command(flatten)]
        verification: Box<VerificationArgs>,
        #[command(flatten)]
        properties: Box<PropertyArgs>,
        #[command(flatten)]
        currencies: Box<CurrencyArgs>,
        #[command(flatten)]
        fields: Box<Fields>,
    },
    /// Seals the secrets every app still keeps in plain text (app secret,
    /// WeChat AppSecrets), as stored before sealing; sealed ones stay as
    /// they are. Safe to run at any time, and again.
    Reseal,
}

/// The app's WeChat accounts. A new appid needs its secret; a secret alone
/// replaces the current account's.
#[derive(Args)]
pub struct WechatArgs {
    /// The mini-program's appid.
    #[arg(long, value_parser = wechat_app_id, group = "fields")]
    wechat_mini_appid: Option<String>,
    /// The mini-program's AppSecret.
    #[arg(long, value_parser = wechat_secret, group = "fields")]
    wechat_mini_secret: Option<String>,
    /// The official account's appid.
    #[arg(long, value_parser = wechat_app_id, group = "fields")]
    wechat_oa_appid: Option<String>,
    /// The official account's AppSecret.
    #[arg(long, value_parser = wechat_secret, group = "fields")]
    wechat_oa_secret: Option<String>,
    /// JS-SDK APIs the official account's pages may use, comma-separated
    /// (e.g. updateAppMessageShareData,chooseImage).
    #[arg(long, value_delimiter = ',', value_parser = js_api_name, group = "fields")]
    js_api_list: Option<Vec<String>>,
    /// Who may make the calls that spend the app's finite WeChat quotas
    /// (codes, links, content checks, UserInfo, SubscribeMSG): backend (new
    /// apps: signed requests only) or users (signed-in users too).
    #[arg(long, group = "fields")]
    wechat_callers: Option<WechatCallers>,
    /// How many of those calls each user may make per minute (1-1000; 10
    /// until set), when users may make them.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000), group = "fields")]
    wechat_user_calls_per_minute: Option<u32>,
    /// Stores a new appid and secret without first fetching a token with
    /// them (e.g. from a machine outside the account's IP whitelist).
    #[arg(long)]
    no_wechat_check: bool,
}

/// How the app sends verification codes, and whether sign-ups need them.
#[derive(Args)]
pub struct VerificationArgs {
    /// The From address of its email, an SES verified identity (empty: the
    /// deployment's EMAIL_SENDER).
    #[arg(long, value_parser = email_sender, group = "fields")]
    email_sender: Option<String>,
    /// Who sends its SMS: sns (the text as written) or tencent (an approved
    /// Tencent Cloud template taking the code and its minutes).
    #[arg(long, group = "fields")]
    sms_provider: Option<SmsProvider>,
    /// The SMS signature: Tencent's SignName, SNS's sender id (empty: none).
    #[arg(long, value_parser = text::<0, 20>, group = "fields")]
    sms_sign_name: Option<String>,
    /// Tencent Cloud SMS: the approved template's id (empty: none).
    #[arg(long, value_parser = text::<0, 20>, group = "fields")]
    sms_template_id: Option<String>,
    /// Tencent Cloud SMS: the SmsSdkAppId (empty: none).
    #[arg(long, value_parser = text::<0, 20>, group = "fields")]
    sms_sdk_app_id: Option<String>,
    /// Whether sign-ups that set an email address need its code: off or required.
    #[arg(long, group = "fields")]
    verify_email: Option<Verify>,
    /// Whether sign-ups that set a phone number need its code: off or required.
    #[arg(long, group = "fields")]
    verify_phone: Option<Verify>,
    /// The message of one code type, TYPE=TEXT with {code} and {minutes}
    /// (TYPE: signup, signin, forgetpwd, reset); TYPE= restores the default.
    /// Repeatable.
    #[arg(long, value_parser = code_message, group = "fields")]
    code_message: Vec<(Purpose, String)>,
}

impl VerificationArgs {
    fn given(&self) -> bool {
        self.email_sender.is_some()
            || self.sms_provider.is_some()
            || self.sms_sign_name.is_some()
            || self.sms_template_id.is_some()
            || self.sms_sdk_app_id.is_some()
            || self.verify_email.is_some()
            || self.verify_phone.is_some()
            || !self.code_message.is_empty()
    }

    /// `current` with what was given changed; an empty text clears a setting.
    fn applied_to(self, mut current: VerificationSettings) -> VerificationSettings {
        let set = |field: &mut Option<String>, given: Option<String>| {
            if let Some(value) = given {
                *field = Some(value).filter(|value| !value.is_empty());
            }
        };
        set(&mut current.email_sender, self.email_sender);
        set(&mut current.sms_sign_name, self.sms_sign_name);
        set(&mut current.sms_template_id, self.sms_template_id);
        set(&mut current.sms_sdk_app_id, self.sms_sdk_app_id);
        current.sms_provider = self.sms_provider.unwrap_or(current.sms_provider);
        current.verify_email = self.verify_email.unwrap_or(current.verify_email);
        current.verify_phone = self.verify_phone.unwrap_or(current.verify_phone);
        for (purpose, text) in self.code_message {
            if text.is_empty() {
                current.code_messages.remove(&purpose);
            } else {
                current.code_messages.insert(purpose, text);
            }
        }
        current
    }
}

fn email_sender(value: &str) -> Result<String, String> {
    validate::email(value).map_err(|err| err.message().to_owned())?;
    Ok(value.to_owned())
}

fn code_message(value: &str) -> Result<(Purpose, String), String> {
    let (purpose, text) = value
        .split_once('=')
        .ok_or("expected TYPE=TEXT, e.g. signin=Your code is {code}")?;
    let purpose: Purpose = purpose.parse()?;
    if !text.is_empty() {
        verification::code_message_text(text).map_err(|err| err.message().to_owned())?;
    }
    Ok((purpose, text.to_owned()))
}

/// The app's public properties, which anyone may read through v1
/// `App/{appKey}/Info`: nothing secret belongs in one.
#[derive(Args)]
pub struct PropertyArgs {
    /// Sets a public property, CODE=VALUE (CODE: 1 to 64 letters, digits
    /// and _ . -; VALUE: up to 1000 characters), adding it if new.
    /// Repeatable.
    #[arg(long = "prop", value_name = "CODE=VALUE", value_parser = property, group = "fields")]
    props: Vec<(PropertyCode, String)>,
    /// Describes a property, CODE=TEXT (up to 255 characters); CODE=
    /// removes its description. Repeatable.
    #[arg(long = "prop-desc", value_name = "CODE=TEXT", value_parser = property_desc, group = "fields")]
    prop_descs: Vec<(PropertyCode, String)>,
    /// Removes a property, if the app has it. Repeatable.
    #[arg(long = "remove-prop", value_name = "CODE", value_parser = property_code, group = "fields")]
    remove_props: Vec<PropertyCode>,
}

impl PropertyArgs {
    fn given(&self) -> bool {
        !(self.props.is_empty() && self.prop_descs.is_empty() && self.remove_props.is_empty())
    }

    /// `current` with the values and descriptions given set, then the
    /// removals made; a code both set and removed is refused as unclear.
    fn applied_to(self, mut current: AppProperties) -> Result<AppProperties, CliError> {
        let changed = || self.props.iter().chain(&self.prop_descs).map(|(code, _)| code);
        if let Some(code) = self
            .remove_props
            .iter()
            .find(|code| changed().any(|set| set == *code))
        {
            return Err(CliError::new(format!(
                "--remove-prop {} and a --prop or --prop-desc of it: give one",
                code.as_str()
            )));
        }
        for (code, value) in self.props {
            current
                .set(code, value)
                .map_err(|err| CliError::new(err.message()))?;
        }
        for (code, desc) in self.prop_descs {
            current
                .describe(&code, desc)
                .map_err(|err| CliError::new(err.message()))?;
        }
        for code in &self.remove_props {
            current.remove(code);
        }
        Ok(current)
    }
}

/// The app's v1 ledger currencies besides `points` (every app's), and the
/// rates at which its users exchange them.
#[derive(Args)]
pub struct CurrencyArgs {
    /// Adds a currency, CODE (1 to 50 letters, digits, _ and -). Repeatable.
    #[arg(long = "currency", value_name = "CODE", value_parser = currency_code, group = "fields")]
    add: Vec<String>,
    /// Removes a currency and the rates naming it; users' balances of it
    /// stay, and still show in their balance list. Repeatable.
    #[arg(long = "remove-currency", value_name = "CODE", value_parser = currency_code, group = "fields")]
    remove: Vec<String>,
    /// Sets an exchange rate FROM:TO=N or FROM:TO=N/M: every N of FROM buy
    /// M (1 when not given) of TO, so an exchange spends a multiple of N
    /// and nothing is rounded (N, M 1 to 1000000). Both currencies must be
    /// the app's, after the additions and removals. Repeatable.
    #[arg(long = "exchange-rate", value_name = "FROM:TO=RATE", value_parser = ExchangeRate::parse, group = "fields")]
    rates: Vec<ExchangeRate>,
}

impl CurrencyArgs {
    fn given(&self) -> bool {
        !(self.add.is_empty() && self.remove.is_empty() && self.rates.is_empty())
    }

    /// `current` with the additions, then the removals, then the rates.
    fn applied_to(self, mut current: AppCurrencies) -> Result<AppCurrencies, CliError> {
        if let Some(code) = self.remove.iter().find(|code| self.add.contains(code)) {
            return Err(CliError::new(format!(
                "--currency {code} and --remove-currency {code}: give one"
            )));
        }
        for code in &self.add {
            current.add(code).map_err(CliError::new)?;
        }
        for code in &self.remove {
            current.remove(code).map_err(CliError::new)?;
        }
        for rate in self.rates {
            current.set_rate(rate).map_err(CliError::new)?;
        }
        Ok(current)
    }
}

fn currency_code(value: &str) -> Result<String, String> {
    currency::CODE
        .check("CODE", value)
        .map_err(|err| err.message().to_owned())?;
    Ok(value.to_owned())
}

fn property_code(value: &str) -> Result<PropertyCode, String> {
    PropertyCode::parse("CODE", value).map_err(|err| err.message().to_owned())
}

/// `CODE=TEXT`, the text keeping `rule`.
fn code_and_text(value: &str, rule: &Rule) -> Result<(PropertyCode, String), String> {
    let (code, text) = value
        .split_once('=')
        .ok_or("expected CODE=TEXT, e.g. minVersion=2.1.0")?;
    Ok((property_code(code)?, keeping(rule, text)?))
}

fn property(value: &str) -> Result<(PropertyCode, String), String> {
    code_and_text(value, &app_property::VALUE)
}

fn property_desc(value: &str) -> Result<(PropertyCode, String), String> {
    code_and_text(value, &app_property::DESC)
}

/// The fields `create` and `set` share, all optional in both.
#[derive(Args)]
#[group(id = "fields", multiple = true)]
pub struct Fields {
    /// Tenant the app belongs to; new apps get 1.
    #[arg(long, value_parser = text::<1, 100>)]
    tenant_id: Option<String>,
    /// The tenant's name; new apps get "default".
    #[arg(long, value_parser = text::<1, 100>)]
    tenant_name: Option<String>,
    /// Logo URL on the app card.
    #[arg(long, value_parser = text::<0, 1024>)]
    logo: Option<String>,
    /// Website URL on the app card.
    #[arg(long, value_parser = text::<0, 1024>)]
    website: Option<String>,
    /// Description on the app card.
    #[arg(long, value_parser = text::<0, 1000>)]
    description: Option<String>,
    /// Tags on the app card.
    #[arg(long, value_parser = text::<0, 200>)]
    tags: Option<String>,
    /// Scopes the app asks for, as shown on the card.
    #[arg(long, value_parser = text::<0, 200>)]
    scopes: Option<String>,
}

pub async fn run(store: &Store, offset: UtcOffset, command: Command) -> Result<Value, CliError> {
    match command {
        Command::Create { name, key, fields } => create(store, name, key, fields).await,
        Command::Show { app_id } => Ok(shown(&find(store, app_id).await?, offset)),
        Command::Reseal => reseal(store).await,
        Command::Set {
            app_id,
            name,
            union_id_proof,
            password_policy,
            qr_mode,
            web_origins,
            rate_limit_per_ip,
            access_token_lifetime,
            wechat,
            verification,
            properties,
            currencies,
            fields,
        } => {
            let WechatArgs {
                wechat_mini_appid,
                wechat_mini_secret,
                wechat_oa_appid,
                wechat_oa_secret,
                js_api_list,
                wechat_callers,
                wechat_user_calls_per_minute,
                no_wechat_check,
            } = *wechat;
            // Only a change of a WeChat account needs the current one.
            let changes_account = [
                &wechat_mini_appid,
                &wechat_mini_secret,
                &wechat_oa_appid,
                &wechat_oa_secret,
            ]
            .iter()
            .any(|flag| flag.is_some());
            // Only a change of a WeChat account, of the verification
            // settings or of the properties (each one attribute, changed as
            // a whole) needs the app.
            let found = if changes_account || verification.given() || properties.given() || currencies.given()
            {
                Some(find(store, app_id).await?)
            } else {
                None
            };
            let verification = match (verification.given(), &found) {
                (true, Some(app)) => Some(verification.applied_to(app.verification.clone())),
                _ => None,
            };
            let properties = match (properties.given(), &found) {
                (true, Some(app)) => Some(properties.applied_to(app.properties.clone())?),
                _ => None,
            };
            let currencies = match (currencies.given(), &found) {
                (true, Some(app)) => Some(currencies.applied_to(app.currencies.clone())?),
                _ => None,
            };
            let current = found.map(|app| app.wechat).unwrap_or_default();
            let changes = AppChanges {
                wechat_mini_program: account_change(
                    "mini-program",
                    current.mini_program,
                    wechat_mini_appid,
                    wechat_mini_secret,
                )?,
                wechat_official_account: account_change(
                    "official account",
                    current.official_account,
                    wechat_oa_appid,
                    wechat_oa_secret,
                )?,
                js_api_list,
                wechat_callers,
                wechat_user_calls_per_minute,
                name,
                logo: fields.logo,
                website: fields.website,
                description: fields.description,
                tags: fields.tags,
                scopes: fields.scopes,
                tenant_id: fields.tenant_id,
                tenant_name: fields.tenant_name,
                union_id_proof,
                password_policy,
                qr_mode,
                web_origins: web_origins.map(|WebOrigins(origins)| origins),
                rate_limit_per_ip,
                access_token_lifetime,
                verification,
                properties,
                currencies,
            };
            if !no_wechat_check {
                check_with_wechat(
                    store,
                    [
                        ("mini-program", &changes.wechat_mini_program),
                        ("official account", &changes.wechat_official_account),
                    ],
                )
                .await?;
            }
            let app = store
                .update_app(app_id, changes)
                .await?
                .ok_or_else(|| no_app(app_id))?;
            Ok(shown(&app, offset))
        }
    }
}

async fn create(store: &Store, name: String, key: Option<String>, fields: Fields) -> Result<Value, CliError> {
    let new = NewApp {
        key,
        tenant_id: fields.tenant_id.unwrap_or_else(|| "1".to_owned()),
        tenant_name: fields.tenant_name.unwrap_or_else(|| "default".to_owned()),
        card: AppCard {
            name,
            logo: fields.logo.unwrap_or_default(),
            website: fields.website.unwrap_or_default(),
            description: fields.description,
            tags: fields.tags,
            scopes: fields.scopes.unwrap_or_default(),
        },
    };
    // A taken key reads: the app key "K" is taken by another app.
    let app = store.create_app(new, clock::now()).await?;
    Ok(json!({ "appId": app.id, "appKey": app.key, "appSecret": app.secret.expose() }))
}

/// `reseal`: every app, one at a time; what each needed.
async fn reseal(store: &Store) -> Result<Value, CliError> {
    let app_ids = store.app_ids().await?;
    let (mut resealed, mut changed, mut already_sealed) = (Vec::new(), Vec::new(), 0);
    for &app_id in &app_ids {
        match store.reseal_app(app_id).await? {
            Some(Resealed::Sealed(secrets)) => resealed.push(json!({ "appId": app_id, "secrets": secrets })),
            Some(Resealed::ChangedMeanwhile) => changed.push(app_id),
            Some(Resealed::AlreadySealed) => already_sealed += 1,
            // A key guard is written with its app, in one transaction.
            None => return Err(no_app(app_id)),
        }
    }
    Ok(json!({
        "apps": app_ids.len(),
        "resealed": resealed,
        "alreadySealed": already_sealed,
        // Written by someone else while this ran, which sealed them.
        "changedMeanwhile": changed,
    }))
}

/// The account `set` leaves, when it changes one.
fn account_change(
    which: &str,
    current: Option<WechatAccount>,
    app_id: Option<String>,
    secret: Option<String>,
) -> Result<Option<WechatAccount>, CliError> {
    let current_id = current.as_ref().map(|account| account.app_id.clone());
    match (app_id, secret, current) {
        (None, None, _) => Ok(None),
        (app_id, Some(secret), _) => Ok(Some(WechatAccount {
            app_id: app_id.or(current_id).ok_or_else(|| {
                CliError::new(format!(
                    "the app has no WeChat {which} yet: give its appid with the secret"
                ))
            })?,
            secret: Secret::new(secret),
        })),
        // The appid it has already: nothing changes.
        (Some(app_id), None, Some(current)) if app_id == current.app_id => Ok(None),
        (Some(_), None, _) => Err(CliError::new(format!(
            "a new WeChat {which} appid needs its secret as well"
        ))),
    }
}

/// Fetches one token with each new account (`WECHAT_API_BASE`, as the
/// functions read it), so a secret WeChat refuses is never stored.
async fn check_with_wechat(
    store: &Store,
    accounts: [(&str, &Option<WechatAccount>); 2],
) -> Result<(), CliError> {
    let base = config::wechat_api_base(&config::env)?;
    let wechat = Wechat::new(&base, store.clone());
    for (which, account) in accounts {
        let Some(account) = account else { continue };
        wechat.check_account(account).await.map_err(|err| {
            CliError::new(format!(
                "checking the {which}'s appid and AppSecret with WeChat failed, so nothing was changed: {} \
                 (--no-wechat-check stores them unchecked)",
                err.message()
            ))
        })?;
    }
    Ok(())
}

/// The app, or an error naming the id.
pub async fn find(store: &Store, app_id: u64) -> Result<App, CliError> {
    store.app(app_id).await?.ok_or_else(|| no_app(app_id))
}

fn no_app(app_id: u64) -> CliError {
    CliError::new(format!("no app with id {app_id}"))
}

fn shown(app: &App, offset: UtcOffset) -> Value {
    json!({
        "appId": app.id,
        "appKey": app.key,
        "appSecret": masked(app.secret.expose()),
        "tenantId": app.tenant_id,
        "tenantName": app.tenant_name,
        "name": app.card.name,
        "logo": app.card.logo,
        "website": app.card.website,
        "description": app.card.description,
        "tags": app.card.tags,
        "scopes": app.card.scopes,
        "unionIdProof": app.union_id_proof.as_str(),
        "passwordPolicy": app.password_policy.as_str(),
        "qrMode": app.qr_mode.as_str(),
        "webOrigins": app.web_origins,
        "rateLimitPerIp": app.rate_limit_per_ip.map_or_else(|| json!("deployment default"), |n| json!(n)),
        "accessTokenLifetime": access_token_lifetime(app),
        "wechat": shown_wechat(&app.wechat),
        "verification": app.verification,
        "properties": app.properties,
        "currencies": app.currencies.all().collect::<Vec<_>>(),
        "exchangeRates": app.currencies.rates.iter().map(|rate| format!("{}:{}={}/{}", rate.from, rate.to, rate.give, rate.get)).collect::<Vec<_>>(),
        "createDate": clock::display(app.created_at, offset),
    })
}

/// WeChat accounts by appid; of a secret, only that it is set.
fn shown_wechat(wechat: &WechatSettings) -> Value {
    let account = |account: &Option<WechatAccount>| {
        account
            .as_ref()
            .map(|account| json!({ "appId": account.app_id, "secret": "(set)" }))
    };
    json!({
        "miniProgram": account(&wechat.mini_program),
        "officialAccount": account(&wechat.official_account),
        "jsApiList": wechat.js_api_list,
        "callers": wechat.callers.as_str(),
        "userCallsPerMinute": wechat.user_calls_per_minute(),
    })
}

/// Enough of a secret to tell which one an app has, too little to sign with.
fn masked(secret: &str) -> String {
    let start: String = secret.chars().take(4).collect();
    format!("{start}…(masked)")
}

fn app_key(value: &str) -> Result<String, String> {
    keeping(&validate::APP_KEY, value)
}

fn wechat_app_id(value: &str) -> Result<String, String> {
    keeping(&validate::WECHAT_APP_ID, value)
}

fn wechat_secret(value: &str) -> Result<String, String> {
    keeping(&validate::WECHAT_SECRET, value)
}

fn js_api_name(value: &str) -> Result<String, String> {
    keeping(&validate::JS_API_NAME, value)
}

/// The whole list `--web-origins` gives, which replaces the app's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebOrigins(Vec<String>);

fn web_origins(value: &str) -> Result<WebOrigins, String> {
    let origins: Vec<String> = match value {
        "" => Vec::new(),
        list => list.split(',').map(str::to_owned).collect(),
    };
    if origins.len() > web_origin::MAX_WEB_ORIGINS {
        return Err(format!("at most {} origins", web_origin::MAX_WEB_ORIGINS));
    }
    for (index, origin) in origins.iter().enumerate() {
        web_origin::check(origin)?;
        if origins[..index].contains(origin) {
            return Err(format!("{origin:?} is given twice"));
        }
    }
    Ok(WebOrigins(origins))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_four_characters() {
        assert_eq!(masked("abcdefghijkl"), "abcd…(masked)");
        assert_eq!(masked("ab"), "ab…(masked)");
    }

    #[test]
    fn a_new_wechat_appid_needs_its_secret() {
        let current = || {
            Some(WechatAccount {
                app_id: "wx1".into(),
                secret: Secret::new("s1"),
            })
        };
        let change = |app_id: Option<&str>, secret: Option<&str>, current| {
            account_change(
                "mini-program",
                current,
                app_id.map(Into::into),
                secret.map(Into::into),
            )
        };
        assert_eq!(change(None, None, current()).unwrap(), None);
        let rotated = change(None, Some("s2"), current()).unwrap().unwrap();
        assert_eq!((rotated.app_id.as_str(), rotated.secret.expose()), ("wx1", "s2"));
        assert_eq!(change(Some("wx1"), None, current()).unwrap(), None);
        assert!(change(Some("wx2"), None, current()).is_err());
        assert!(change(None, Some("s2"), None).is_err());
        let added = change(Some("wx2"), Some("s2"), None).unwrap().unwrap();
        assert_eq!(added.app_id, "wx2");
    }

    #[test]
    fn web_origins_are_a_whole_list_of_exact_origins() {
        let list = |value: &str| web_origins(value).map(|WebOrigins(origins)| origins);
        assert_eq!(
            list("https://a.example,http://127.0.0.1:8080").unwrap(),
            ["https://a.example", "http://127.0.0.1:8080"]
        );
        assert_eq!(list("").unwrap(), Vec::<String>::new());
        assert!(
            list("https://a.example,https://a.example")
                .unwrap_err()
                .contains("twice")
        );
        assert!(list("https://a.example/").is_err());
        assert!(list("https://a.example, https://b.example").is_err());
        assert!(list("https://a.example,,https://b.example").is_err());
        let many: Vec<String> = (0..=web_origin::MAX_WEB_ORIGINS)
            .map(|n| format!("https://a{n}.example"))
            .collect();
        assert!(list(&many.join(",")).unwrap_err().contains("at most"));
    }

    #[test]
    fn properties_are_code_equals_text() {
        let (code, value) = property("notice.url=https://a.example/?x=1").unwrap();
        assert_eq!(
            (code.as_str(), value.as_str()),
            ("notice.url", "https://a.example/?x=1")
        );
        assert_eq!(property("empty=").unwrap().1, "");
        assert!(property("no-value").unwrap_err().contains("CODE=TEXT"));
        assert!(property("=value").unwrap_err().contains("`CODE` must be 1 to 64"));
        assert!(property_desc(&format!("a={}", "d".repeat(256))).is_err());
        assert!(property_code("a b").is_err());
    }

    #[test]
    fn app_keys_are_url_safe() {
        assert_eq!(app_key("my-app_2").as_deref(), Ok("my-app_2"));
        assert!(app_key("ab").is_err());
        assert!(app_key(&"k".repeat(65)).is_err());
        assert!(app_key("my app").is_err());
        assert!(app_key("my/app").is_err());
    }
}
