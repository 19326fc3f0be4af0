//! The oauth function's integration tests: the OAuth 2.0 edge as a
//! standard client calls it, on a fresh app in DynamoDB Local.

mod discovery;
mod request_counts;
mod revoke;
mod token;

use lambda_http::{Body, Response};
use oauthapp_shared::auth::token::TokenModel;
use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::store::NewUser;
use serde_json::Value;

testkit::function_harness!(oauth::routes);

/// An OAuth answer: status, headers, JSON body.
pub struct Answer {
    pub status: u16,
    pub response: Response<Body>,
    pub body: Value,
}

impl Answer {
    fn new(response: Response<Body>) -> Self {
        let body = match response.body() {
            Body::Text(text) => serde_json::from_str(text).expect("a JSON body"),
            other => panic!("expected a text body, got {other:?}"),
        };
        Self {
            status: response.status().as_u16(),
            response,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
    }

    /// An RFC 6749 §5.2 error with `code`; no envelope, nothing cached.
    pub fn assert_oauth_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.body["error"], code, "{}", self.body);
        assert!(self.body["error_description"].is_string(), "{}", self.body);
        assert!(self.body.get("code").is_none(), "no envelope: {}", self.body);
        assert_eq!(self.header("cache-control"), Some("no-store"));
    }

    pub fn tokens(&self) -> TokenModel {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_value(self.body.clone()).expect("RFC 6749 §5.1 JSON")
    }
}

impl Harness {
    /// A form-encoded POST, as RFC 6749 says clients send it.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let content_type = ("content-type", "application/x-www-form-urlencoded".to_owned());
        Answer::new(self.respond("POST", path, Some(&body), &[content_type]).await)
    }

    /// A refresh at the token endpoint for this app.
    pub async fn refresh(&self, refresh_token: &str) -> Answer {
        let client_id = self.app.key.clone();
        self.form(
            "/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", &client_id),
            ],
        )
        .await
    }

    /// A user with a session: its access and refresh tokens.
    pub async fn signed_in(&self) -> TokenModel {
        let new_user = NewUser {
            user_name: Some(format!("u{}", rand_suffix())),
            platform: "web".into(),
            ..NewUser::default()
        };
        let user = self
            .store
            .create_user(self.app.id, new_user, oauthapp_shared::domain::clock::now())
            .await
            .expect("a user");
        self.start_session(&user).await
    }

    pub async fn fresh() -> Self {
        Self::new(UnionIdProof::None).await
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}
