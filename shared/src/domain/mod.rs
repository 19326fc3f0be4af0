//! The service's own terms, with no I/O and nothing of HTTP: the records the
//! store keeps, the rules they follow (lockout, points, the QR key's life),
//! the field rules every input meets, and the error of the layers above.

pub mod app_property;
pub mod clock;
pub mod currency;
mod error;
mod inherited;
pub mod lockout;
mod models;
pub mod password_policy;
pub mod points;
pub mod profile;
pub mod qr;
pub mod rate_limit;
pub mod sealing;
mod secret;
pub mod session;
mod setting;
pub mod validate;
pub mod verification;
pub mod web_origin;

pub use error::{Error, ErrorKind};
pub use inherited::Inherited;
pub use models::{
    App, AppCard, Binding, DEFAULT_USER_CALLS_PER_MINUTE, Login, PointEntry, PointKind, PointTotals, QrMode,
    TwoFactorState, UnionIdOwner, UnionIdProof, User, WechatAccount, WechatCallers, WechatSettings,
};
pub use password_policy::PasswordPolicy;
pub use secret::Secret;
