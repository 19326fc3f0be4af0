//! Who a caller is and what they proved: access tokens, the app backend's
//! request signature, password hashes and two-factor codes. Nothing here
//! reads the store or knows of HTTP.

pub mod password;
pub mod signature;
pub mod signing_keys;
pub mod token;
pub mod two_factor;
