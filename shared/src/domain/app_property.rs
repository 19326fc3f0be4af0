//! An app's public properties (`oauthapp-admin apps set --prop`): values
//! its operator publishes to the app's clients before anyone signs in (a
//! minimum client version, a notice, a support address). v1
//! `GET /App/{appKey}/Info` shows them to anyone, so nothing secret belongs
//! in one.

use serde::{Deserialize, Serialize};

use super::Error;
use super::validate::{Rule, text_rule};

/// At most this many per app: every Info answer carries them all.
pub const MAX_PROPERTIES: usize = 50;

/// A property's code, as clients name it in `propCode`.
pub const CODE: Rule = Rule {
    min: 1,
    max: 64,
    allowed: |c| c.is_ascii_alphanumeric() || "_.-".contains(c),
    description: "letters, digits and _ . -",
};
/// A property's value: text a client may show as it is.
pub const VALUE: Rule = text_rule(0, 1000);
/// What a property is for, in words.
pub const DESC: Rule = text_rule(0, 255);

/// A property code that keeps `CODE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyCode(String);

impl PropertyCode {
    /// `value` as a code; the 400 naming `field` otherwise.
    pub fn parse(field: &str, value: &str) -> Result<Self, Error> {
        CODE.check(field, value)?;
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One property, as stored and as Info shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppProperty {
    pub code: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

/// An app's properties in the order they were added, each code once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppProperties(Vec<AppProperty>);

impl AppProperties {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, code: &PropertyCode) -> Option<usize> {
        self.0.iter().position(|property| property.code == code.0)
    }

    /// Gives `code` the value `value`, adding the property if it is new.
    pub fn set(&mut self, code: PropertyCode, value: String) -> Result<(), Error> {
        match self.position(&code) {
            Some(at) => self.0[at].value = value,
            None if self.0.len() >= MAX_PROPERTIES => {
                return Err(Error::invalid(format!(
                    "An app has at most {MAX_PROPERTIES} properties; remove one before adding {:?}.",
                    code.0
                )));
            }
            None => self.0.push(AppProperty {
                code: code.0,
                value,
                desc: None,
            }),
        }
        Ok(())
    }

    /// Describes the property `code`; an empty text removes its description.
    pub fn describe(&mut self, code: &PropertyCode, desc: String) -> Result<(), Error> {
        let at = self.position(code).ok_or_else(|| {
            Error::invalid(format!(
                "The app has no property {:?} to describe; set its value too.",
                code.0
            ))
        })?;
        self.0[at].desc = Some(desc).filter(|desc| !desc.is_empty());
        Ok(())
    }

    /// Removes the property `code`, if the app has it.
    pub fn remove(&mut self, code: &PropertyCode) {
        self.0.retain(|property| property.code != code.0);
    }

    /// Every property, or with a code only the property of that code (none
    /// when there is no such property).
    pub fn named(self, code: Option<&PropertyCode>) -> Vec<AppProperty> {
        match code {
            None => self.0,
            Some(code) => self
                .0
                .into_iter()
                .filter(|property| property.code == code.0)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(value: &str) -> PropertyCode {
        PropertyCode::parse("code", value).unwrap()
    }

    #[test]
    fn codes_are_short_names() {
        for good in ["minVersion", "ios.min_version-2", "a", &"c".repeat(64)] {
            assert!(PropertyCode::parse("propCode", good).is_ok(), "{good}");
        }
        for bad in ["", "two words", "a/b", "名字", &"c".repeat(65), "a=b"] {
            let refused = PropertyCode::parse("propCode", bad).unwrap_err();
            assert!(
                refused.message().starts_with("`propCode` must be 1 to 64"),
                "{refused}"
            );
        }
    }

    #[test]
    fn set_replaces_the_value_and_keeps_the_order_and_description() {
        let mut properties = AppProperties::default();
        properties.set(code("a"), "1".into()).unwrap();
        properties.set(code("b"), "2".into()).unwrap();
        properties.describe(&code("a"), "first".into()).unwrap();
        properties.set(code("a"), "3".into()).unwrap();
        let listed = |properties: &AppProperties| -> Vec<(String, String, Option<String>)> {
            properties
                .clone()
                .named(None)
                .into_iter()
                .map(|p| (p.code, p.value, p.desc))
                .collect()
        };
        let row = |code: &str, value: &str, desc: Option<&str>| {
            (code.to_owned(), value.to_owned(), desc.map(str::to_owned))
        };
        assert_eq!(
            listed(&properties),
            [row("a", "3", Some("first")), row("b", "2", None)]
        );
        properties.describe(&code("a"), String::new()).unwrap();
        assert!(properties.describe(&code("c"), "none".into()).is_err());
        properties.remove(&code("b"));
        properties.remove(&code("absent"));
        assert_eq!(listed(&properties), [row("a", "3", None)]);
    }

    #[test]
    fn at_most_fifty_properties() {
        let mut properties = AppProperties::default();
        for n in 0..MAX_PROPERTIES {
            properties.set(code(&format!("p{n}")), String::new()).unwrap();
        }
        let refused = properties.set(code("one-more"), String::new()).unwrap_err();
        assert!(refused.message().contains("at most 50"), "{refused}");
        properties.set(code("p0"), "changed".into()).unwrap();
    }

    #[test]
    fn named_is_every_property_or_the_one_of_the_code() {
        let mut properties = AppProperties::default();
        properties.set(code("a"), "1".into()).unwrap();
        properties.set(code("b"), "2".into()).unwrap();
        assert_eq!(properties.clone().named(None).len(), 2);
        let only = properties.clone().named(Some(&code("b")));
        assert_eq!((only.len(), only[0].value.as_str()), (1, "2"));
        assert!(
            properties.named(Some(&code("A"))).is_empty(),
            "codes match exactly"
        );
    }

    #[test]
    fn stored_as_a_list_without_empty_descriptions() {
        let mut properties = AppProperties::default();
        properties.set(code("a"), "1".into()).unwrap();
        assert_eq!(
            serde_json::to_value(&properties).unwrap(),
            serde_json::json!([{"code": "a", "value": "1"}])
        );
    }
}
