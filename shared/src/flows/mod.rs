//! What several functions' handlers share once they know the app: proving
//! a union id as the app demands, accepting a signed request once, signing
//! a user in through a credential's lockout and second factor, and
//! registering a user; starting, refreshing and ending sessions; limiting
//! unauthenticated requests per source address.

pub mod app;
pub mod proof;
pub mod rate_limit;
pub mod registration;
pub mod session;
pub mod sign_in;
pub mod signature;
pub mod verification;
