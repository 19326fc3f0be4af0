//! What the contract tests share: locating the workspace's files, reading
//! template.yaml, and routes as "METHOD path template".

#![allow(dead_code)]

use std::fmt;
use std::path::PathBuf;

pub use serde_norway::Value as Yaml;

/// The workspace root (contract/ is one of its members).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("contract/ lies in the workspace")
        .to_path_buf()
}

/// A file of the workspace, by path relative to its root.
pub fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

pub fn yaml(relative: &str) -> Yaml {
    serde_norway::from_str(&read(relative))
        .unwrap_or_else(|err| panic!("{relative} is not valid YAML: {err}"))
}

/// template.yaml, parsed.
pub fn template() -> Yaml {
    yaml("template.yaml")
}

/// The one function no HTTP route reaches: Secrets Manager invokes it to
/// rotate the signing keys (functions/key-rotation). It reads no table and
/// loads no `Config`; template.rs checks its own narrow policy.
pub const KEY_ROTATION: &str = "key-rotation";

/// The statements of a function's inline policies.
pub fn statements(function: &Yaml) -> Vec<&Yaml> {
    at(function, &["Properties", "Policies"])
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|policy| at(policy, &["Statement"]).and_then(Yaml::as_sequence))
        .flatten()
        .collect()
}

/// Whether a template function is the key rotation function.
pub fn is_key_rotation(function: &Yaml) -> bool {
    text(function, &["Metadata", "BuildProperties", "Binary"]) == Some(KEY_ROTATION)
}

/// `value` at the end of `path` of mapping keys, if every step exists.
pub fn at<'v>(value: &'v Yaml, path: &[&str]) -> Option<&'v Yaml> {
    path.iter().try_fold(value, |value, key| value.get(*key))
}

/// The text at `path`, if there is text there.
pub fn text<'v>(value: &'v Yaml, path: &[&str]) -> Option<&'v str> {
    at(value, path).and_then(Yaml::as_str)
}

/// The template's resources of one `Type`, as (logical id, resource).
pub fn resources_of_type<'t>(template: &'t Yaml, kind: &str) -> Vec<(String, &'t Yaml)> {
    let Some(resources) = at(template, &["Resources"]).and_then(Yaml::as_mapping) else {
        panic!("template.yaml has no Resources mapping");
    };
    resources
        .iter()
        .filter(|(_, resource)| text(resource, &["Type"]) == Some(kind))
        .map(|(id, resource)| (id.as_str().expect("logical ids are text").to_owned(), resource))
        .collect()
}

/// The logical id a `{Ref: id}` names.
pub fn ref_target(value: &Yaml) -> Option<&str> {
    let mapping = value.as_mapping()?;
    (mapping.len() == 1)
        .then(|| mapping.get("Ref")?.as_str())
        .flatten()
}

/// The resource type of a logical id.
pub fn resource_type<'t>(template: &'t Yaml, id: &str) -> Option<&'t str> {
    text(template, &["Resources", id, "Type"])
}

/// One route: an HTTP method and a path template in API Gateway's
/// `{param}` syntax, which matchit and cargo-lambda share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    pub method: String,
    pub path: String,
}

impl Route {
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
        }
    }

    /// From an API Gateway route key, "METHOD /path".
    pub fn from_key(key: &str) -> Option<Self> {
        let (method, path) = key.split_once(' ')?;
        Some(Self::new(method, path))
    }

    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The names of the path's `{param}` segments, in order.
    pub fn params(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect()
    }

    /// The concrete path with each `{param}` replaced by its value; `None`
    /// when a value is missing.
    pub fn fill(&self, value_of: impl Fn(&str) -> Option<String>) -> Option<String> {
        self.path
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(param) => value_of(param),
                    None => Some(segment.to_owned()),
                },
            )
            .collect::<Option<Vec<_>>>()
            .map(|segments| segments.join("/"))
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// Panics listing every problem, if there are any.
pub fn assert_none(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  - {}\n", problems.join("\n  - "));
}
