//! Whose ledger a request names: every route serves the signed-in user's
//! own, so an `{id}` or `userId` that names anyone else is refused.

use oauthapp_shared::domain::Error;
use oauthapp_shared::http::Query;

/// Refuses `value` (of `field`) unless it is the caller's user id.
pub fn check(field: &str, value: Option<&str>, caller: u64) -> Result<(), Error> {
    match value {
        None => Ok(()),
        Some(value) if value.parse::<u64>() == Ok(caller) => Ok(()),
        Some(_) => Err(Error::forbidden(format!(
            "`{field}` must be the signed-in user's id: a user's token reads and changes only their own ledger."
        ))),
    }
}

/// Refuses a `userId` query parameter naming another user.
pub fn check_query(query: &Query, caller: u64) -> Result<(), Error> {
    check("userId", query.param("userId"), caller)
}
