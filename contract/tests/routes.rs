//! Every route is declared in five places: the function's own route table
//! (`routes()`), template.yaml (what API Gateway routes to which function), the
//! `cargo lambda watch` router in Cargo.toml, openapi.yaml and events/. Each
//! test compares one of them with the functions' tables and lists, on
//! mismatch, which side is missing what.
//!
//! The CORS preflight is no route of its own: the router answers `OPTIONS` on
//! every path its table declares (shared/src/http/cors.rs). So template.yaml
//! and the watch router, which send requests to functions, must send
//! `OPTIONS` of each path to the function serving it, and nothing else;
//! openapi.yaml and events/ describe the declared routes only.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use lambda_http::RequestExt;
use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::http::Routes;
use oauthapp_shared::http::caller::Presents;
use serde_json::Value as Json;
use support::{Route, Yaml, assert_none, at, ref_target, resource_type, resources_of_type, text};

/// A Lambda function of the workspace: its binary (the name SAM builds and
/// `cargo lambda watch` routes to) and the routes its own table serves,
/// with what each route's caller must present.
struct Function {
    binary: &'static str,
    routes: Vec<Route>,
    presents: BTreeMap<Route, Presents>,
    per_ip: BTreeMap<Route, Option<RouteClass>>,
}

impl Function {
    fn new(binary: &'static str, routes: Routes) -> Self {
        let presents: BTreeMap<Route, Presents> = routes
            .iter()
            .map(|route| (Route::new(route.method.as_str(), route.path), route.presents))
            .collect();
        let per_ip = routes
            .iter()
            .map(|route| (Route::new(route.method.as_str(), route.path), route.per_ip))
            .collect();
        Self {
            per_ip,
            binary,
            routes: routes
                .iter()
                .map(|route| Route::new(route.method.as_str(), route.path))
                .collect(),
            presents,
        }
    }
}

/// Every function and its routes. A new function is one more line here (and
/// its crate among contract's dev-dependencies).
fn functions() -> Vec<Function> {
    vec![
        Function::new("account", account::routes()),
        Function::new("qr-auth", qr_auth::routes()),
        Function::new("external-account", external_account::routes()),
        Function::new("wechat", wechat::routes()),
        Function::new("oauth", oauth::routes()),
        Function::new("verification", verification::routes()),
        Function::new("app", app::routes()),
        Function::new("user-currency", user_currency::routes()),
    ]
}

/// Which function serves each route its table declares.
fn served() -> BTreeMap<Route, &'static str> {
    functions()
        .into_iter()
        .flat_map(|function| {
            function
                .routes
                .into_iter()
                .map(move |route| (route, function.binary))
        })
        .collect()
}

/// Which function each request must be sent to: the declared routes, and the
/// preflight of each of their paths.
fn routed() -> BTreeMap<Route, &'static str> {
    let mut routed = served();
    let preflights: Vec<_> = routed
        .iter()
        .map(|(route, function)| (Route::new("OPTIONS", &route.path), *function))
        .collect();
    routed.extend(preflights);
    routed
}

/// A route as one source declares it: the function it names (if the source
/// names one) and where in the source it is, for messages.
struct Declared {
    route: Route,
    function: Option<String>,
    at: String,
}

/// Compares what `source` declares with `served`: what the functions serve
/// as the source should declare it.
fn compare(source: &str, declared: &[Declared], served: &BTreeMap<Route, &str>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&Route, &str> = BTreeMap::new();
    for item in declared {
        if let Some(first) = seen.insert(&item.route, &item.at) {
            problems.push(format!(
                "{source} declares {} twice: at {first} and at {}",
                item.route, item.at
            ));
        }
        match (served.get(&item.route), &item.function) {
            (None, _) => problems.push(format!(
                "{source} declares {} (at {}), which no function's route table serves{}",
                item.route,
                item.at,
                if item.route.method == "OPTIONS" {
                    " (preflights go only where requests are routed: template.yaml and the watch router)"
                } else {
                    ""
                }
            )),
            (Some(serving), Some(named)) if serving != named => problems.push(format!(
                "{source} sends {} to function `{named}` (at {}), but it is served by `{serving}`",
                item.route, item.at
            )),
            _ => {}
        }
    }
    for (route, function) in served {
        if !seen.contains_key(route) {
            problems.push(format!(
                "{source} is missing {route} (served by function `{function}`)"
            ));
        }
    }
    problems
}

/// The function that answers what no route matches (the template's
/// `$default` route, the watch router's catch-all): its router's 404 in the
/// envelope of the path's generation.
const CATCH_ALL_FUNCTION: &str = "account";

/// The watch router's catch-all path (matchit syntax), and the methods it
/// must route: every method a client may send.
const WATCH_CATCH_ALL: &str = "/{*rest}";
const CATCH_ALL_METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

const METHODS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
];

#[test]
fn functions_serve_distinct_well_formed_routes() {
    let mut problems = Vec::new();
    let mut owner: BTreeMap<Route, &str> = BTreeMap::new();
    for function in functions() {
        for route in function.routes {
            if !METHODS.contains(&route.method.as_str()) {
                problems.push(format!(
                    "`{}` serves {route}: the method is not an upper-case HTTP method",
                    function.binary
                ));
            }
            if !route.path.starts_with('/') || route.path.contains("//") || route.path.ends_with('/') {
                problems.push(format!(
                    "`{}` serves {route}: the path is not of the form /a/b",
                    function.binary
                ));
            }
            if route.path.matches('{').count() != route.params().len() {
                problems.push(format!(
                    "`{}` serves {route}: a path parameter is not a whole {{segment}}",
                    function.binary
                ));
            }
            if route.method == "OPTIONS" {
                problems.push(format!(
                    "`{}` declares {route}: the router answers OPTIONS (the CORS preflight) on every path itself",
                    function.binary
                ));
            }
            if let Some(other) = owner.insert(route.clone(), function.binary) {
                problems.push(format!(
                    "{route} is served twice: by `{other}` and by `{}`",
                    function.binary
                ));
            }
        }
    }
    assert_none("functions' route tables", &problems);
}

/// Every `AWS::Serverless::Function` names its binary in
/// `Metadata.BuildProperties.Binary`; its `HttpApi` events are its routes.
#[test]
fn template_routes_match_functions() {
    let template = support::template();
    let mut problems = Vec::new();
    let mut declared = Vec::new();
    let mut catch_alls = Vec::new();
    for (id, function) in resources_of_type(&template, "AWS::Serverless::Function") {
        if text(function, &["Metadata", "BuildMethod"]) != Some("rust-cargolambda") {
            problems.push(format!("{id}: Metadata.BuildMethod must be rust-cargolambda"));
        }
        if support::is_key_rotation(function) {
            if at(function, &["Properties", "Events"]).is_some() {
                problems.push(format!(
                    "{id}: only Secrets Manager invokes the rotation function"
                ));
            }
            continue;
        }
        let Some(binary) = text(function, &["Metadata", "BuildProperties", "Binary"]) else {
            problems.push(format!("{id}: Metadata.BuildProperties.Binary names no binary"));
            continue;
        };
        if !functions().iter().any(|known| known.binary == binary) {
            problems.push(format!(
                "{id} builds binary `{binary}`, which is not in contract/tests/routes.rs functions()"
            ));
        }
        let events = at(function, &["Properties", "Events"]).and_then(Yaml::as_mapping);
        for (name, event) in events.into_iter().flatten() {
            let name = name.as_str().unwrap_or("?");
            if text(event, &["Type"]) != Some("HttpApi") {
                continue;
            }
            let place = format!("Resources.{id}.Properties.Events.{name}");
            let api = at(event, &["Properties", "ApiId"]).and_then(ref_target);
            if api.and_then(|api| resource_type(&template, api)) != Some("AWS::Serverless::HttpApi") {
                problems.push(format!(
                    "{place}: ApiId must be {{Ref: <the AWS::Serverless::HttpApi>}}"
                ));
            }
            match (
                text(event, &["Properties", "Method"]),
                text(event, &["Properties", "Path"]),
            ) {
                (Some(method), Some(path)) => {
                    if !METHODS.contains(&method) {
                        problems.push(format!(
                            "{place}: Method {method:?} must be an upper-case HTTP method"
                        ));
                    }
                    declared.push(Declared {
                        route: Route::new(method, path),
                        function: Some(binary.to_owned()),
                        at: place,
                    });
                }
                (None, None) => catch_alls.push((place, binary)),
                _ => problems.push(format!(
                    "{place}: needs Properties.Method and Properties.Path (or neither, for the $default route)"
                )),
            }
        }
    }
    match catch_alls.as_slice() {
        [(_, binary)] if *binary == CATCH_ALL_FUNCTION => {}
        [(place, binary)] => problems.push(format!(
            "{place}: the $default route goes to `{binary}`, but `{CATCH_ALL_FUNCTION}` answers what no route matches"
        )),
        [] => problems.push(format!(
            "template.yaml has no $default route (an HttpApi event without Method and Path on `{CATCH_ALL_FUNCTION}`)"
        )),
        more => problems.push(format!("template.yaml declares {} $default routes", more.len())),
    }
    problems.extend(compare("template.yaml", &declared, &routed()));
    assert_none(
        "template.yaml and the functions' route tables disagree",
        &problems,
    );
}

/// `[workspace.metadata.lambda.watch.router]`: path → [{ method, function }].
#[test]
fn watch_router_matches_functions() {
    let manifest: toml::Table =
        toml::from_str(&support::read("Cargo.toml")).expect("Cargo.toml is valid TOML");
    let manifest = toml::Value::Table(manifest);
    let router = ["workspace", "metadata", "lambda", "watch", "router"]
        .iter()
        .try_fold(&manifest, |value, key| value.get(key))
        .and_then(toml::Value::as_table)
        .expect("Cargo.toml has [workspace.metadata.lambda.watch.router]");
    let mut problems = Vec::new();
    let mut declared = Vec::new();
    let mut catch_all = None;
    for (path, targets) in router {
        if path == WATCH_CATCH_ALL {
            catch_all = Some(targets);
            continue;
        }
        let Some(targets) = targets.as_array() else {
            problems.push(format!(
                "router \"{path}\": give a list of {{ method, function }} so every method is explicit"
            ));
            continue;
        };
        for target in targets {
            let method = target.get("method").and_then(toml::Value::as_str);
            let function = target.get("function").and_then(toml::Value::as_str);
            match (method, function) {
                (Some(method), Some(function)) => declared.push(Declared {
                    route: Route::new(method, path),
                    function: Some(function.to_owned()),
                    at: format!("router \"{path}\""),
                }),
                _ => problems.push(format!(
                    "router \"{path}\": every entry needs method and function"
                )),
            }
        }
    }
    let expected: BTreeSet<(String, String)> = CATCH_ALL_METHODS
        .iter()
        .map(|method| (method.to_string(), CATCH_ALL_FUNCTION.to_owned()))
        .collect();
    let routed_there: BTreeSet<(String, String)> = catch_all
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|target| {
            let method = target.get("method")?.as_str()?;
            let function = target.get("function")?.as_str()?;
            Some((method.to_owned(), function.to_owned()))
        })
        .collect();
    if routed_there != expected {
        problems.push(format!(
            "router \"{WATCH_CATCH_ALL}\" must send {CATCH_ALL_METHODS:?} to `{CATCH_ALL_FUNCTION}`, it sends {routed_there:?}"
        ));
    }
    problems.extend(compare("Cargo.toml's watch router", &declared, &routed()));
    assert_none(
        "the watch router and the functions' route tables disagree",
        &problems,
    );
}

/// Follows a local `$ref` ("#/components/parameters/AppId").
fn resolve<'v>(document: &'v Yaml, value: &'v Yaml) -> &'v Yaml {
    match text(value, &["$ref"]).and_then(|pointer| pointer.strip_prefix("#/")) {
        Some(pointer) => {
            let path: Vec<&str> = pointer.split('/').collect();
            at(document, &path).unwrap_or_else(|| panic!("openapi.yaml: $ref #/{pointer} leads nowhere"))
        }
        None => value,
    }
}

#[test]
fn openapi_paths_match_functions() {
    let document = support::yaml("openapi.yaml");
    let paths = at(&document, &["paths"])
        .and_then(Yaml::as_mapping)
        .expect("openapi.yaml has paths");
    let mut problems = Vec::new();
    let mut declared = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().expect("paths are text");
        let shared_parameters = at(item, &["parameters"]).and_then(Yaml::as_sequence);
        for (key, operation) in item.as_mapping().into_iter().flatten() {
            let key = key.as_str().unwrap_or_default();
            let method = key.to_uppercase();
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let route = Route::new(&method, path);
            // Every {param} of the path is declared as a required path parameter.
            let operation_parameters = at(operation, &["parameters"]).and_then(Yaml::as_sequence);
            let in_path: BTreeSet<&str> = shared_parameters
                .into_iter()
                .chain(operation_parameters)
                .flatten()
                .map(|parameter| resolve(&document, parameter))
                .filter(|parameter| text(parameter, &["in"]) == Some("path"))
                .inspect(|parameter| {
                    if at(parameter, &["required"]).and_then(Yaml::as_bool) != Some(true) {
                        problems.push(format!(
                            "openapi.yaml {route}: path parameters must be required: true"
                        ));
                    }
                })
                .filter_map(|parameter| text(parameter, &["name"]))
                .collect();
            let expected: BTreeSet<&str> = route.params().into_iter().collect();
            if in_path != expected {
                problems.push(format!(
                    "openapi.yaml {route}: declares path parameters {in_path:?}, the path has {expected:?}"
                ));
            }
            declared.push(Declared {
                route,
                function: None,
                at: format!("paths.\"{path}\".{key}"),
            });
        }
    }
    problems.extend(compare("openapi.yaml", &declared, &served()));
    assert_none("openapi.yaml and the functions' route tables disagree", &problems);
}

/// The security requirement alternatives openapi.yaml must give a route
/// whose caller presents `presents`, each as the set of its schemes. A
/// union-id proof is the app's setting (a signature, a login code in the
/// body, or the client's word), so the document cannot require a scheme.
fn security_of(presents: Presents) -> BTreeSet<BTreeSet<&'static str>> {
    let bearer = BTreeSet::from(["bearerAuth"]);
    let signature = BTreeSet::from(["appSignature", "appSignatureNonce", "appSignatureTimestamp"]);
    match presents {
        Presents::Nothing | Presents::PublicDocument | Presents::UnionIdProof => BTreeSet::new(),
        Presents::Bearer | Presents::BearerAndUnionIdProof => BTreeSet::from([bearer]),
        Presents::BearerOrSignature => BTreeSet::from([bearer, signature]),
        Presents::BearerAndQuerySignature => BTreeSet::from([BTreeSet::from([
            "bearerAuth",
            "querySignature",
            "querySignatureNonce",
            "querySignatureTimestamp",
        ])]),
    }
}

#[test]
fn openapi_security_matches_what_routes_require() {
    let document = support::yaml("openapi.yaml");
    let mut problems = Vec::new();
    for function in functions() {
        for (route, presents) in &function.presents {
            let operation = at(&document, &["paths", &route.path, &route.method.to_lowercase()]);
            let Some(operation) = operation else {
                continue; // openapi_paths_match_functions names the missing path
            };
            let declared: BTreeSet<BTreeSet<&str>> = at(operation, &["security"])
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
                .map(|alternative| {
                    alternative
                        .as_mapping()
                        .into_iter()
                        .flatten()
                        .filter_map(|(scheme, _)| scheme.as_str())
                        .collect()
                })
                .collect();
            let expected = security_of(*presents);
            if declared != expected {
                problems.push(format!(
                    "openapi.yaml {route}: security {declared:?}, but the route requires {presents:?}, i.e. {expected:?}"
                ));
            }
        }
    }
    assert_none("openapi.yaml's security and the route tables disagree", &problems);
}

/// Whoever may call a route without a token or signature is counted per
/// source address: every such route declares the per-IP limit it counts
/// against, and openapi.yaml documents its 429.
#[test]
fn unauthenticated_routes_are_limited_per_ip() {
    let document = support::yaml("openapi.yaml");
    let mut problems = Vec::new();
    for function in functions() {
        for (route, presents) in &function.presents {
            let class = function.per_ip[route];
            let unauthenticated = matches!(presents, Presents::Nothing | Presents::UnionIdProof);
            if *presents == Presents::PublicDocument && class.is_some() {
                problems.push(format!(
                    "{route} ({}) is a document served from memory: counting it would cost it a DynamoDB request",
                    function.binary
                ));
            }
            if unauthenticated && class.is_none() {
                problems.push(format!(
                    "{route} ({}) is unauthenticated and has no per_ip limit",
                    function.binary
                ));
            }
            let documented = at(
                &document,
                &[
                    "paths",
                    &route.path,
                    &route.method.to_lowercase(),
                    "responses",
                    "429",
                ],
            )
            .is_some();
            if class.is_some() && !documented {
                problems.push(format!(
                    "openapi.yaml {route}: counts against a per-IP limit but documents no 429"
                ));
            }
        }
    }
    assert_none("unauthenticated routes without a per-IP limit", &problems);
}

/// Each event of events/ is an HTTP API (payload 2.0) request of one route,
/// one event per route, that `cargo lambda invoke --data-file` can send.
#[test]
fn events_match_functions() {
    let served = served();
    let directory = support::root().join("events");
    let mut files: Vec<_> = std::fs::read_dir(&directory)
        .unwrap_or_else(|err| panic!("reading {}: {err}", directory.display()))
        .map(|entry| entry.expect("listing events/").path())
        .collect();
    files.sort();
    let mut problems = Vec::new();
    let mut declared = Vec::new();
    for file in files {
        let name = file
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        let place = format!("events/{name}");
        if !name.ends_with(".json") {
            problems.push(format!("{place}: events/ holds only .json events"));
            continue;
        }
        let raw = std::fs::read_to_string(&file).expect("reading an event");
        let event: Json = match serde_json::from_str(&raw) {
            Ok(event) => event,
            Err(err) => {
                problems.push(format!("{place}: not JSON: {err}"));
                continue;
            }
        };
        let Some(route) = event["routeKey"].as_str().and_then(Route::from_key) else {
            problems.push(format!("{place}: routeKey must be \"METHOD /path\""));
            continue;
        };
        let mut problem = |text: String| problems.push(format!("{place} ({route}): {text}"));
        if let Some(function) = served.get(&route)
            && !name.starts_with(&format!("{function}-"))
        {
            problem(format!(
                "the file name must start with `{function}-`, the function serving it"
            ));
        }
        if event["version"] != "2.0" {
            problem("version must be \"2.0\" (HTTP API payload format 2.0)".to_owned());
        }
        let context = &event["requestContext"];
        if context["routeKey"] != event["routeKey"] {
            problem("requestContext.routeKey differs from routeKey".to_owned());
        }
        if context["http"]["method"] != route.method.as_str() {
            problem(format!("requestContext.http.method must be {}", route.method));
        }
        if context["stage"] != "$default" {
            problem("requestContext.stage must be \"$default\", the HttpApi's stage".to_owned());
        }
        let parameters = event["pathParameters"].as_object().cloned().unwrap_or_default();
        let names: BTreeSet<&str> = parameters.keys().map(String::as_str).collect();
        if names != route.params().into_iter().collect() {
            problem(format!(
                "pathParameters {names:?} must be exactly the path's {:?}",
                route.params()
            ));
        }
        let raw_path = event["rawPath"].as_str().unwrap_or_default();
        match route.fill(|param| parameters.get(param).and_then(Json::as_str).map(str::to_owned)) {
            Some(filled) if filled == raw_path => {}
            filled => problem(format!(
                "rawPath {raw_path:?} must be the path with pathParameters filled in: {filled:?}"
            )),
        }
        if context["http"]["path"] != raw_path {
            problem("requestContext.http.path must equal rawPath".to_owned());
        }
        let raw_query = event["rawQueryString"].as_str().unwrap_or_default();
        let from_raw: BTreeMap<String, String> = raw_query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        let listed: BTreeMap<String, String> = event["queryStringParameters"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(key, value)| (key.clone(), value.as_str().unwrap_or_default().to_owned()))
            .collect();
        if from_raw != listed {
            problem(format!(
                "queryStringParameters {listed:?} must match rawQueryString {raw_query:?}"
            ));
        }
        if let Some(body) = event["body"].as_str()
            && event["isBase64Encoded"] == false
            && let Err(err) = serde_json::from_str::<Json>(body)
        {
            problem(format!("body is not JSON: {err}"));
        }
        // What the Lambda runtime does with it: lambda_http's own parsing.
        if let Err(err) =
            serde_json::from_str::<lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest>(&raw)
        {
            problem(format!("not an ApiGatewayV2httpRequest: {err}"));
        }
        match lambda_http::request::from_str(&raw) {
            Ok(request) => {
                if request.method().as_str() != route.method {
                    problem(format!("lambda_http reads method {}", request.method()));
                }
                if request.uri().path() != raw_path {
                    problem(format!("lambda_http reads path {}", request.uri().path()));
                }
                for param in route.params() {
                    if request.path_parameters().first(param) != parameters.get(param).and_then(Json::as_str)
                    {
                        problem(format!("lambda_http does not read path parameter {param}"));
                    }
                }
            }
            Err(err) => problem(format!("lambda_http cannot read it: {err}")),
        }
        declared.push(Declared {
            route,
            function: None,
            at: place,
        });
    }
    problems.extend(compare("events/", &declared, &served));
    assert_none("events/ and the functions' route tables disagree", &problems);
}
