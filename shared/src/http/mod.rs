//! The edge: everything that knows of `lambda_http`. A request is routed by
//! the function's route table, the app of its path resolved, the caller's
//! credentials checked as the route requires and its input parsed; the
//! handler's answer or error becomes an envelope, each kind of domain error
//! with its status code.

pub mod caller;
pub mod cors;
pub mod envelope;
pub mod error;
pub mod function;
pub mod input;
pub mod oauth;
pub mod request;
pub mod route;

pub use caller::{
    Anyone, Bearer, BearerAndQuerySignature, BearerAndUnionIdProof, BearerOrSignature, UnionIdProof, Vouched,
};
pub use envelope::Image;
pub use function::{run, run_sending_codes};
pub use input::{Json, Query};
pub use route::{Ctx, Routes};
