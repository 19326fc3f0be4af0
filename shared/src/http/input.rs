//! What a handler takes besides its context: nothing, a JSON body, the
//! query string, or two of these. Each is parsed before the handler runs;
//! a body that does not parse is a 400 naming the problem.

use std::collections::HashMap;

use lambda_http::RequestExt;
use serde::de::DeserializeOwned;

use crate::domain::Error;
use crate::http::error::ApiError;
use crate::http::request::json_body;
use crate::http::route::Incoming;

/// A handler's input, read from the request.
pub trait Input: Sized + Send + 'static {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError>;
}

/// No input.
impl Input for () {
    fn read(_: &Incoming<'_>) -> Result<Self, ApiError> {
        Ok(())
    }
}

/// Two inputs, read in order; e.g. two views of one JSON body.
impl<A: Input, B: Input> Input for (A, B) {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError> {
        Ok((A::read(incoming)?, B::read(incoming)?))
    }
}

/// The JSON object body, as `T`.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + Send + 'static> Input for Json<T> {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError> {
        json_body(incoming.request).map(Json)
    }
}

/// The query string's parameters (the first value of each).
pub struct Query(HashMap<String, String>);

impl Input for Query {
    fn read(incoming: &Incoming<'_>) -> Result<Self, ApiError> {
        let mut first = HashMap::new();
        if let Some(params) = incoming.request.query_string_parameters_ref() {
            for (name, value) in params.iter() {
                first.entry(name.to_owned()).or_insert_with(|| value.to_owned());
            }
        }
        Ok(Query(first))
    }
}

impl Query {
    /// A parameter; an empty value counts as absent, as the seed's own
    /// `PointLog?type=&skip=&take=` expects.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// A parameter the endpoint cannot do without.
    pub fn required(&self, name: &str) -> Result<&str, Error> {
        self.param(name)
            .ok_or_else(|| Error::invalid(format!("Query parameter `{name}` is required.")))
    }

    /// A numeric parameter with its default and upper bound.
    pub fn number(&self, name: &str, default: u32, max: u32) -> Result<u32, Error> {
        let Some(raw) = self.param(name) else {
            return Ok(default);
        };
        match raw.parse::<u32>() {
            Ok(value) if value <= max => Ok(value),
            _ => Err(Error::invalid(format!(
                "Query parameter `{name}` must be a whole number from 0 to {max}."
            ))),
        }
    }
}
