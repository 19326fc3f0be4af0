//! API Gateway HTTP API (v2) events: the recorded ones of `events/`,
//! addressed to the provisioned app and user.

use serde_json::{Map, Value, json};

/// One event, as Lambda hands it to a function.
#[derive(Debug, Clone)]
pub struct Event(Value);

impl Event {
    /// A recorded event, the text of a file of `events/` (`include_str!`).
    pub fn recorded(json: &str) -> Self {
        Self(serde_json::from_str(json).expect("events/ holds JSON"))
    }

    /// The route it is for, e.g. `GET /api/AppUsers/{appId}/Profile`.
    pub fn route(&self) -> &str {
        self.0["routeKey"].as_str().expect("an event has a routeKey")
    }

    /// The event for the path its route key gives with `params` filled in.
    pub fn at(mut self, params: &[(&str, &str)]) -> Self {
        let route_key = self.route().to_owned();
        let (_, template) = route_key.split_once(' ').expect("a routeKey is `METHOD /path`");
        let mut path = template.to_owned();
        let mut path_parameters = Map::new();
        for (name, value) in params {
            path = path.replace(&format!("{{{name}}}"), value);
            path_parameters.insert((*name).to_owned(), json!(value));
        }
        assert!(!path.contains('{'), "{route_key}: a parameter is missing");
        self.0["rawPath"] = json!(path);
        self.0["requestContext"]["http"]["path"] = json!(path);
        self.0["pathParameters"] = Value::Object(path_parameters);
        self
    }

    pub fn bearer(mut self, token: &str) -> Self {
        self.0["headers"]["authorization"] = json!(format!("Bearer {token}"));
        self
    }

    /// The query string, encoded as a browser would send it.
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        let raw = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let parameters: Map<String, Value> = pairs.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
        self.0["rawQueryString"] = json!(raw);
        self.0["queryStringParameters"] = Value::Object(parameters);
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.0["body"] = json!(body);
        self
    }

    pub fn to_json(&self) -> String {
        self.0.to_string()
    }

    /// The request `lambda_http` makes of the event.
    pub fn to_request(&self) -> lambda_http::Request {
        lambda_http::request::from_str(&self.to_json()).expect("a valid v2 event")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::RequestExt;

    #[test]
    fn addresses_a_recorded_event() {
        let request = Event::recorded(include_str!("../../events/wechat-decrypt.json"))
            .at(&[("appKey", "k1")])
            .query(&[("iv", "a+b/c=="), ("sessionKey", "x y")])
            .bearer("t")
            .to_request();
        assert_eq!(request.uri().path(), "/Wechat/k1/Decrypt");
        let query = request.query_string_parameters();
        assert_eq!(query.first("iv"), Some("a+b/c=="));
        assert_eq!(query.first("sessionKey"), Some("x y"));
        assert_eq!(request.path_parameters().first("appKey"), Some("k1"));
        assert_eq!(request.headers()["authorization"], "Bearer t");
    }
}
