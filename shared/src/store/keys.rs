//! Where each kind of item lives in the single table. Every key is built
//! here, so the layout can be read in one place (docs/data-model.md).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::points::POINTS_CURRENCY;
use crate::domain::rate_limit::Window;
use crate::domain::verification::{Purpose, Recipient};

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// Users of an app, for listing them without a Scan. It projects keys
/// only: the users themselves (sealed TOTP secrets included) are read from
/// the table, by a role that may.
pub const USERS_INDEX: &str = "users";
/// The index `USERS_INDEX` replaces, which projected every attribute;
/// `schema::ensure_table` drops it from tables made before.
pub const REPLACED_GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
/// Point entries of a user by kind, for the `type` filter of PointLog.
pub const LSI1: &str = "lsi1";
pub const LSI1_SK: &str = "lsi1sk";
/// Expiry in unix seconds, for items that DynamoDB's TTL may delete.
pub const TTL: &str = "ttl";

pub type Item = HashMap<String, AttributeValue>;

/// A primary key: partition and sort key values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn item(&self) -> Item {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

/// The app's own item.
pub fn app(app_id: u64) -> Key {
    Key {
        pk: format!("APP#{app_id}"),
        sk: "APP".to_owned(),
    }
}

/// The partition of the app key guards. They share one so that an instance
/// reads them all with one Query when it starts (`Store::warm_up`); they are
/// read only then and when an unknown key is asked for, so it never runs hot.
pub const APP_KEYS: &str = "APPKEY";

/// Guard making app keys unique; holds the app id.
pub fn app_key(key: &str) -> Key {
    Key {
        pk: APP_KEYS.to_owned(),
        sk: key.to_owned(),
    }
}

/// The counter numbering apps. Only the admin CLI writes it.
pub fn app_sequence() -> Key {
    Key {
        pk: "SEQUENCE".to_owned(),
        sk: "APP".to_owned(),
    }
}

/// The counter numbering one app's users: one item per app, so sign-ups of
/// different apps never contend.
pub fn user_sequence(app_id: u64) -> Key {
    Key {
        pk: format!("APP#{app_id}"),
        sk: "USERSEQ".to_owned(),
    }
}

/// The user's item; their point entries share its partition.
pub fn user(app_id: u64, user_id: u64) -> Key {
    Key {
        pk: user_partition(app_id, user_id),
        sk: "USER".to_owned(),
    }
}

pub fn user_partition(app_id: u64, user_id: u64) -> String {
    format!("USER#{app_id}#{user_id}")
}

/// GSI1 keys of a user item.
pub fn users_of_app(app_id: u64) -> String {
    format!("APPUSERS#{app_id}")
}

pub fn user_in_app(user_id: u64) -> String {
    format!("USER#{user_id:020}")
}

/// Credential of a user name, case-insensitive: guard of its uniqueness,
/// holder of the password hash and of the sign-in lockout state. It exists
/// without a user id when only failed attempts were recorded for the name.
pub fn login(app_id: u64, user_name: &str) -> Key {
    Key {
        pk: format!("LOGIN#{app_id}#{}", user_name.to_lowercase()),
        sk: "LOGIN".to_owned(),
    }
}

/// Guard making (platform, unionID) unique within an app; names the user
/// and binding that own it and holds its sign-in lockout state.
pub fn union_id(app_id: u64, platform: &str, union_id: &str) -> Key {
    Key {
        pk: format!("UNIONID#{app_id}#{platform}#{union_id}"),
        sk: "UNIONID".to_owned(),
    }
}

/// An external account bound to a user, in the user's partition.
/// Sort keys of a user's sessions begin with this.
pub const SESSION_PREFIX: &str = "SESSION#";

/// Sort keys of the QR keys a user confirmed begin with this.
pub const QR_KEY_OF_USER_PREFIX: &str = "QRKEY#";

/// A QR key the user confirmed, listed in the user's partition while it
/// lives: the key item names the user until it expires.
pub fn qr_key_of_user(app_id: u64, user_id: u64, key: u64) -> Key {
    Key {
        pk: user_partition(app_id, user_id),
        sk: format!("{QR_KEY_OF_USER_PREFIX}{key}"),
    }
}

/// The anonymised ledger totals of an erased user, one item each, in the
/// app's partition of them; `random` keeps erasures in one second apart.
pub fn erased_totals(app_id: u64, at: i64, random: u64) -> Key {
    Key {
        pk: format!("ERASED#{app_id}"),
        sk: format!("{at:012}#{random:016x}"),
    }
}

/// A session of a user, in the user's partition: a user's sessions are one Query.
pub fn session(app_id: u64, user_id: u64, session_id: &str) -> Key {
    Key {
        pk: user_partition(app_id, user_id),
        sk: format!("{SESSION_PREFIX}{session_id}"),
    }
}

pub fn binding(app_id: u64, user_id: u64, binding_id: u64) -> Key {
    Key {
        pk: user_partition(app_id, user_id),
        sk: format!("{BINDING_PREFIX}{binding_id:012}"),
    }
}

/// Sort-key prefix of a user's bindings.
pub const BINDING_PREFIX: &str = "BINDING#";

/// A QR sign-in key; the item expires through TTL.
pub fn qr_key(key: u64) -> Key {
    Key {
        pk: format!("QR#{key}"),
        sk: "QR".to_owned(),
    }
}

/// A nonce of a signed request to the app, spent once; the item expires
/// through TTL once the request's timestamp is out of the window.
pub fn nonce(app_id: u64, nonce: &str) -> Key {
    Key {
        pk: format!("NONCE#{app_id}#{nonce}"),
        sk: "NONCE".to_owned(),
    }
}

/// Requests counted against a per-minute allowance: `counted` says of what
/// and from whom (e.g. `sign-in#203.0.113.7`), the sort key which minute.
/// The item expires through TTL once its minute is over.
pub fn rate_counter(app_id: u64, counted: &str, window: Window) -> Key {
    // A day starts on a minute too: the length keeps their counters apart.
    let length = if window.seconds == 60 { "MINUTE" } else { "DAY" };
    Key {
        pk: format!("LIMIT#{app_id}#{counted}"),
        sk: format!("{length}#{}", window.start),
    }
}

/// The verification code last sent for (app, purpose, recipient): a new
/// one replaces it, a use deletes it, TTL removes it once expired.
pub fn verification_code(app_id: u64, purpose: Purpose, recipient: &Recipient) -> Key {
    Key {
        pk: format!(
            "CODE#{app_id}#{}#{}#{}",
            purpose.as_str(),
            recipient.channel().as_str(),
            recipient.address()
        ),
        sk: "CODE".to_owned(),
    }
}

/// Guard making a verified email address or phone number belong to at most
/// one user of an app; names the user and holds the address's sign-in
/// lockout state.
pub fn address(app_id: u64, recipient: &Recipient) -> Key {
    Key {
        pk: format!(
            "ADDRESS#{app_id}#{}#{}",
            recipient.channel().as_str(),
            recipient.address()
        ),
        sk: "ADDRESS".to_owned(),
    }
}

/// A WeChat credential (access token, jsapi ticket) of one WeChat appid
/// and secret (by its fingerprint), shared by every function instance;
/// `name` says which.
pub fn wechat_credential(name: &str, wechat_app_id: &str, secret_fingerprint: &str) -> Key {
    Key {
        pk: format!("WECHAT#{wechat_app_id}#{secret_fingerprint}"),
        sk: format!("CREDENTIAL#{name}"),
    }
}

/// The `sequence`-th point entry of a user, in the user's partition.
pub fn point_sort_key(sequence: u64) -> String {
    format!("POINT#{sequence:012}")
}

/// LSI1 sort key of the `sequence`-th entry of one kind.
pub fn point_entry_of_kind(kind: u8, sequence: u64) -> String {
    format!("POINT{kind}#{sequence:012}")
}

/// A user's balance of a v1 currency other than the points (whose totals
/// are the user item's): in the user's partition, so it goes with the user.
pub fn currency_balance(app_id: u64, user_id: u64, code: &str) -> Key {
    Key {
        pk: user_partition(app_id, user_id),
        sk: format!("{CURRENCY_BALANCE_PREFIX}{code}"),
    }
}

/// The sort keys of a user's balances begin with it.
pub const CURRENCY_BALANCE_PREFIX: &str = "CURRENCY#";
/// The sort keys of a user's entries of currencies other than the points.
pub const CURRENCY_ENTRY_PREFIX: &str = "CURRENCYLOG#";

/// The `sequence`-th entry of a currency's log: the points' entries are the
/// legacy point entries, the others are numbered per currency.
pub fn currency_entry(app_id: u64, user_id: u64, code: &str, sequence: u64) -> Key {
    Key {
        pk: user_partition(app_id, user_id),
        sk: currency_entry_sort_key(code, sequence),
    }
}

pub fn currency_entry_sort_key(code: &str, sequence: u64) -> String {
    if code == POINTS_CURRENCY {
        return point_sort_key(sequence);
    }
    format!("{CURRENCY_ENTRY_PREFIX}{code}#{sequence:012}")
}

/// Where a currency's entries sort: every key of its log begins with it.
pub fn currency_entries_prefix(code: &str) -> String {
    if code == POINTS_CURRENCY {
        return "POINT#".to_owned();
    }
    format!("{CURRENCY_ENTRY_PREFIX}{code}#")
}

/// LSI1 sort key of the `sequence`-th entry of one kind of a currency.
pub fn currency_entry_of_kind(code: &str, kind: u8, sequence: u64) -> String {
    if code == POINTS_CURRENCY {
        return point_entry_of_kind(kind, sequence);
    }
    format!("{CURRENCY_ENTRY_PREFIX}{code}#{kind}#{sequence:012}")
}
