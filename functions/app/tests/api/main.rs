//! The app function's integration tests: `GET /App/{appKey}/Info` on a
//! fresh app in DynamoDB Local, with the properties an operator sets.

mod info;
mod request_counts;

use oauthapp_shared::domain::UnionIdProof;
use oauthapp_shared::domain::app_property::{AppProperties, PropertyCode};
use oauthapp_shared::store::AppChanges;
use testkit::Reply;

testkit::function_harness!(app::routes);

/// The properties of `harness_with_properties`: code, value, description.
pub const PROPERTIES: [(&str, &str, Option<&str>); 2] = [
    ("minVersion", "2.1.0", Some("Older clients must update")),
    ("notice.url", "https://web.example/notice", None),
];

impl Harness {
    /// The function on a fresh app with `PROPERTIES`, as the operator sets them.
    pub async fn with_properties() -> Self {
        let mut properties = AppProperties::default();
        for (code, value, desc) in PROPERTIES {
            let code = PropertyCode::parse("code", code).expect("a code");
            properties.set(code.clone(), value.to_owned()).expect("room");
            if let Some(desc) = desc {
                properties.describe(&code, desc.to_owned()).expect("the property");
            }
        }
        let changes = AppChanges {
            properties: Some(properties),
            ..AppChanges::default()
        };
        Self::new(UnionIdProof::Signature).await.changed(changes).await
    }

    /// `GET Info`, with `query` (`propCode=…`) when not empty.
    pub async fn info(&self, query: &str) -> Reply {
        let target = match query {
            "" => self.v1("App", "/Info"),
            query => self.v1("App", &format!("/Info?{query}")),
        };
        self.send("GET", &target, None, &[]).await
    }
}
