//! What a token obtained by presenting another token keeps of it.

use serde::{Deserialize, Serialize};

/// What a token obtained by presenting another token takes from it: the
/// time of the sign-in behind it, and an expiry no later than its own, so
/// that presenting a token never outlives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inherited {
    pub auth_time: i64,
    pub expires_at: i64,
}
