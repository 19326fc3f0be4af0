//! Runs the built CLI against DynamoDB Local, in a table of its own.

use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::BehaviorVersion;
use oauthapp_shared::domain::session::{Client, Device, Session, SessionPolicy, SignInMethod};
use oauthapp_shared::domain::{Secret, User, clock};
use oauthapp_shared::store::{NewUser, Started, Store};
use serde_json::{Value, json};
use testkit::TEST_APP_SECRETS_KEY;
use testkit::fake_wechat::FakeWechat;

/// The CLI pointed at one table, with the tests' app-secrets key and, for
/// tests that set WeChat accounts, a fake WeChat; the rest of the
/// environment (endpoint, credentials, region) is inherited, as the test's
/// own store uses it.
struct Cli {
    table: String,
    wechat: Option<String>,
}

impl Cli {
    async fn delete_table(&self, store: &Store) {
        store
            .client()
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .expect("the test table is deleted");
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with_key(args, Some(TEST_APP_SECRETS_KEY))
    }

    /// As `run`, with `key` as `APP_SECRETS_KEY`, or none.
    fn run_with_key(&self, args: &[&str], key: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oauthapp-admin"));
        command
            .args(args)
            .env("TABLE_NAME", &self.table)
            .env("DISPLAY_UTC_OFFSET", "+08:00")
            .env_remove("APP_SECRETS_KEY_ARN");
        match key {
            Some(key) => command.env("APP_SECRETS_KEY", key),
            None => command.env_remove("APP_SECRETS_KEY"),
        };
        if let Some(wechat) = &self.wechat {
            command
                .env("WECHAT_API_BASE", wechat)
                .env("WECHAT_HTTP_LOOPBACK", "true");
        }
        command.output().expect("the CLI runs")
    }

    /// The JSON a command that must succeed prints.
    fn ok(&self, args: &[&str]) -> Value {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?} failed: {stderr}");
        serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
    }

    /// What a command that must fail with `code` says on stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed to stdout");
        stderr
    }
}

/// The table as the CLI sees it.
fn sealing_store(client: aws_sdk_dynamodb::Client, table: &str) -> Store {
    Store::new(client, table).with_sealing(&Secret::new(TEST_APP_SECRETS_KEY))
}

async fn create_user(store: &Store, app_id: u64, user_name: &str) -> User {
    let new = NewUser {
        user_name: Some(user_name.to_owned()),
        platform: "web".to_owned(),
        nick_name: user_name.to_uppercase(),
        data: Some("{\"theme\":\"dark\"}".to_owned()),
        ..NewUser::default()
    };
    store
        .create_user(app_id, new, clock::now())
        .await
        .expect("the user is created")
}

#[tokio::test]
async fn manages_apps_users_and_points() {
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_none() {
        panic!("set AWS_ENDPOINT_URL_DYNAMODB (make test starts DynamoDB Local)");
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is past 1970")
        .subsec_nanos();
    let fake = FakeWechat::start().await;
    let cli = Cli {
        table: format!("admin-test-{}-{nanos}", std::process::id()),
        wechat: Some(fake.uri()),
    };
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let store = sealing_store(aws_sdk_dynamodb::Client::new(&sdk), &cli.table);

    assert_eq!(
        cli.ok(&["table", "ensure"]),
        json!({ "table": cli.table, "status": "ACTIVE" })
    );

    // Apps: create, show with the secret masked, change, show again.
    let created = cli.ok(&[
        "apps",
        "create",
        "--name",
        "Admin Test",
        "--key",
        "admin-test",
        "--scopes",
        "profile",
    ]);
    let app_id = created["appId"].as_u64().expect("appId is a number");
    assert_eq!(created["appKey"], "admin-test");
    let secret = created["appSecret"].as_str().expect("appSecret is text");
    assert_eq!(created.as_object().map(|fields| fields.len()), Some(3));
    let app = app_id.to_string();
    let taken = cli.fails(&["apps", "create", "--name", "Other", "--key", "admin-test"], 1);
    assert!(
        taken.contains("app key \"admin-test\" is taken by another app"),
        "{taken}"
    );

    let shown = cli.ok(&["apps", "show", &app]);
    assert_eq!(shown["appSecret"], format!("{}…(masked)", &secret[..4]));
    assert!(!shown.to_string().contains(secret));
    assert_eq!(shown["name"], "Admin Test");
    assert_eq!(shown["tenantId"], "1");
    assert_eq!(shown["tenantName"], "default");
    assert_eq!(shown["scopes"], "profile");
    assert_eq!(shown["description"], Value::Null);
    assert_eq!(shown["unionIdProof"], "signature");
    assert_eq!(
        shown["passwordPolicy"], "standard",
        "new apps get the standard policy"
    );
    assert_eq!(
        shown["createDate"].as_str().map(str::len),
        Some("2023-02-22 16:20:43".len())
    );

    let changed = cli.ok(&[
        "apps",
        "set",
        &app,
        "--union-id-proof",
        "none",
        "--website",
        "https://example.com",
        "--password-policy",
        "legacy",
    ]);
    assert_eq!(changed["unionIdProof"], "none");
    assert_eq!(changed["passwordPolicy"], "legacy");
    assert!(
        cli.fails(&["apps", "set", &app, "--password-policy", "lax"], 2)
            .contains("standard or legacy")
    );
    assert!(
        cli.fails(&["apps", "set", &app, "--description", "Pay\u{202E}laP"], 2)
            .contains("format characters")
    );
    assert_eq!(cli.ok(&["apps", "show", &app]), changed);
    assert_eq!(changed["website"], "https://example.com");
    cli.fails(&["apps", "set", &app], 2);

    // Web origins: none at first, a whole list replaced, a bad one refused
    // before anything is written, an empty value lists none.
    assert_eq!(changed["webOrigins"], json!([]));
    let origins = cli.ok(&[
        "apps",
        "set",
        &app,
        "--web-origins",
        "https://a.example,http://127.0.0.1:8080",
    ]);
    assert_eq!(
        origins["webOrigins"],
        json!(["https://a.example", "http://127.0.0.1:8080"])
    );
    for bad in ["https://*.example", "https://a.example/", "http://a.example"] {
        let refused = cli.fails(&["apps", "set", &app, "--web-origins", bad], 2);
        assert!(refused.contains("--web-origins"), "{refused}");
    }
    assert_eq!(cli.ok(&["apps", "show", &app]), origins);
    let cleared = cli.ok(&["apps", "set", &app, "--web-origins", ""]);
    assert_eq!(cleared["webOrigins"], json!([]));

    // WeChat accounts: secrets stored, never shown.
    let (mini_secret, oa_secret) = (
        "mini0secret0123456789abcdef01234",
        "oa0secret0123456789abcdef0123456",
    );
    let (mini, oa) = ("wx0123456789abcdef", "wxfedcba9876543210");
    fake.add_app(mini, mini_secret);
    fake.add_app(oa, oa_secret);
    // A secret WeChat refuses is not stored.
    let refused = cli.fails(
        &[
            "apps",
            "set",
            &app,
            "--wechat-mini-appid",
            mini,
            "--wechat-mini-secret",
            oa_secret,
        ],
        1,
    );
    assert!(
        refused.contains("errcode 40001") && refused.contains("nothing was changed"),
        "{refused}"
    );
    assert_eq!(
        store.app(app_id).await.unwrap().unwrap().wechat.mini_program,
        None
    );
    let wechat = cli.ok(&[
        "apps",
        "set",
        &app,
        "--wechat-mini-appid",
        "wx0123456789abcdef",
        "--wechat-mini-secret",
        mini_secret,
        "--wechat-oa-appid",
        "wxfedcba9876543210",
        "--wechat-oa-secret",
        oa_secret,
        "--js-api-list",
        "chooseImage,updateAppMessageShareData",
    ]);
    assert_eq!(
        wechat["wechat"],
        json!({
            "miniProgram": {"appId": "wx0123456789abcdef", "secret": "(set)"},
            "officialAccount": {"appId": "wxfedcba9876543210", "secret": "(set)"},
            "jsApiList": ["chooseImage", "updateAppMessageShareData"],
            "callers": "backend",
            "userCallsPerMinute": 10,
        })
    );
    // Who may spend the app's WeChat quotas.
    let opened = cli.ok(&[
        "apps",
        "set",
        &app,
        "--wechat-callers",
        "users",
        "--wechat-user-calls-per-minute",
        "5",
    ]);
    assert_eq!(
        (
            &opened["wechat"]["callers"],
            &opened["wechat"]["userCallsPerMinute"]
        ),
        (&json!("users"), &json!(5))
    );
    assert!(
        cli.fails(&["apps", "set", &app, "--wechat-callers", "anyone"], 2)
            .contains("backend or users")
    );
    cli.fails(&["apps", "set", &app, "--wechat-user-calls-per-minute", "0"], 2);
    assert_eq!(
        (fake.token_fetches(mini), fake.token_fetches(oa)),
        (1, 1),
        "one token fetch checks each new secret"
    );
    let stored = store.app(app_id).await.unwrap().unwrap().wechat;
    assert_eq!(stored.mini_program.unwrap().secret.expose(), mini_secret);
    assert_eq!(stored.official_account.unwrap().secret.expose(), oa_secret);
    let shown = cli.ok(&["apps", "show", &app]).to_string();
    assert!(
        !shown.contains(mini_secret) && !shown.contains(oa_secret),
        "{shown}"
    );
    assert!(
        cli.fails(
            &["apps", "set", &app, "--wechat-mini-appid", "wxnewnewnewnewnew0"],
            1
        )
        .contains("needs its secret")
    );
    // Unchecked on request: stored without asking WeChat.
    let unchecked = "unchecked0secret0123456789abcdef";
    cli.ok(&[
        "apps",
        "set",
        &app,
        "--wechat-oa-secret",
        unchecked,
        "--no-wechat-check",
    ]);
    let stored = store.app(app_id).await.unwrap().unwrap().wechat;
    assert_eq!(stored.official_account.unwrap().secret.expose(), unchecked);
    assert_eq!(
        fake.calls("/cgi-bin/stable_token"),
        3,
        "the refused secret and the two accepted ones only"
    );
    assert!(
        cli.fails(&["apps", "show", "999999"], 1)
            .contains("no app with id 999999")
    );
    assert!(
        cli.fails(&["apps", "set", "999999", "--name", "X"], 1)
            .contains("no app with id 999999")
    );

    // Points: grant, consume, and a consumption beyond the balance.
    let alice = create_user(&store, app_id, "alice").await;
    let bob = create_user(&store, app_id, "bob").await;
    let (alice_id, bob_id) = (alice.id.to_string(), bob.id.to_string());
    assert_eq!(
        cli.ok(&["points", "grant", &app, &alice_id, "10", "--remark", "welcome"]),
        json!({ "balance": 10 })
    );
    assert_eq!(
        cli.ok(&["points", "consume", &app, &alice_id, "3"]),
        json!({ "balance": 7 })
    );
    let refused = cli.fails(&["points", "consume", &app, &alice_id, "8"], 1);
    assert!(
        refused.contains("cannot consume 8 points: the balance is 7"),
        "{refused}"
    );
    cli.fails(&["points", "grant", &app, &alice_id, "0"], 2);
    assert!(
        cli.fails(&["points", "grant", &app, "999999", "1"], 1)
            .contains("no user with id 999999")
    );

    // Users: the list in id order, paged by --limit and --after; one user with its data.
    let listed = cli.ok(&["users", "list", &app]);
    let ids: Vec<u64> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|user| user["id"].as_u64())
        .collect();
    assert_eq!(ids, [alice.id, bob.id]);
    assert_eq!(listed[0]["pointBalance"], 7);
    assert_eq!(listed[0]["userName"], "alice");
    assert_eq!(listed[0]["nickName"], "ALICE");
    assert_eq!(listed[0]["hasPassword"], false);
    assert!(listed[0].get("data").is_none());
    assert_eq!(
        cli.ok(&["users", "list", &app, "--limit", "1"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        cli.ok(&["users", "list", &app, "--after", &alice_id])[0]["id"],
        bob.id
    );
    assert!(
        cli.fails(&["users", "list", "999999"], 1)
            .contains("no app with id 999999")
    );

    let bob_shown = cli.ok(&["users", "show", &app, &bob_id]);
    assert_eq!(bob_shown["userName"], "bob");
    assert_eq!(bob_shown["data"], "{\"theme\":\"dark\"}");
    assert_eq!(bob_shown["pointBalance"], 0);
    assert_eq!(bob_shown["twoFactor"], false);
    assert_eq!(bob_shown["externalAccounts"], json!([]));

    // An operator turns off the two-factor sign-in of a user who lost
    // their authenticator.
    let bob_number: u64 = bob_id.parse().unwrap();
    let app_number: u64 = app.parse().unwrap();
    store
        .start_two_factor_enrolment(app_number, bob_number, "v1:sealed")
        .await
        .unwrap();
    assert!(
        store
            .turn_on_two_factor(
                app_number,
                bob_number,
                "v1:sealed",
                1,
                oauthapp_shared::store::EndingOthers {
                    keep: None,
                    now: clock::now()
                }
            )
            .await
            .unwrap()
    );
    assert_eq!(cli.ok(&["users", "show", &app, &bob_id])["twoFactor"], true);
    assert_eq!(
        cli.ok(&["users", "reset-two-factor", &app, &bob_id])["twoFactor"],
        false
    );
    assert_eq!(cli.ok(&["users", "show", &app, &bob_id])["twoFactor"], false);

    // An operator signs a user out everywhere: their sessions end.
    let policy = SessionPolicy::default();
    for agent in ["phone", "laptop"] {
        let device = Device {
            platform: "web".into(),
            client: Client {
                source_ip: "203.0.113.7".into(),
                user_agent: agent.into(),
            },
        };
        let now = clock::now();
        let (session, _) = Session::start(
            app_number,
            bob_number,
            SignInMethod::Password,
            device,
            now,
            now,
            &policy,
        );
        assert_eq!(
            store.start_session(&session, &policy).await.unwrap(),
            Started::Started
        );
    }
    assert_eq!(
        cli.ok(&["users", "sign-out", &app, &bob_id]),
        json!({ "appId": app_number, "userId": bob_number, "sessionsEnded": 2 })
    );
    let bob_now = store.user(app_number, bob_number).await.unwrap().unwrap();
    assert!(bob_now.sessions.is_empty(), "{:?}", bob_now.sessions);
    assert!(
        store
            .sessions_of(app_number, bob_number)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        cli.fails(&["users", "sign-out", &app, "999999"], 1)
            .contains("no user with id 999999")
    );
    assert!(
        cli.fails(&["users", "reset-two-factor", &app, "999999"], 1)
            .contains("no user with id 999999")
    );
    assert!(
        cli.fails(&["users", "show", &app, "999999"], 1)
            .contains("no user with id 999999")
    );

    // An operator deletes a user for good; the user name is free again.
    let deleted = cli.ok(&["users", "delete", &app, &bob_id]);
    assert_eq!(deleted["deleted"], true, "{deleted}");
    assert!(store.user(app_number, bob_number).await.unwrap().is_none());
    assert!(store.login(app_number, "bob").await.unwrap().is_none());
    // What a stopped erasure left in the partition goes when it is run again.
    let leftover = oauthapp_shared::store::keys::session(app_number, bob_number, "left-behind");
    store
        .client()
        .put_item()
        .table_name(&cli.table)
        .set_item(Some(leftover.item()))
        .send()
        .await
        .unwrap();
    let again = cli.ok(&["users", "delete", &app, &bob_id]);
    assert_eq!(
        (again["deleted"].clone(), again["itemsSwept"].clone()),
        (json!(false), json!(1))
    );
    assert!(
        cli.fails(&["users", "delete", &app, &bob_id], 1)
            .contains(&format!("no user with id {bob_id}"))
    );

    cli.delete_table(&store).await;
}

/// A table made before the users index projected keys only had `gsi1`,
/// which copied every attribute of a user, sealed TOTP secret included:
/// `table ensure` replaces it, and users are still listed.
#[tokio::test]
async fn table_ensure_replaces_the_index_that_copied_every_attribute() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType,
    };
    let cli = Cli {
        table: format!("admin-index-{}-{}", std::process::id(), clock::now()),
        wechat: None,
    };
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .unwrap()
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let old_index = GlobalSecondaryIndex::builder()
        .index_name("gsi1")
        .key_schema(key("gsi1pk", KeyType::Hash))
        .key_schema(key("gsi1sk", KeyType::Range))
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .unwrap();
    client
        .create_table()
        .table_name(&cli.table)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(["pk", "sk", "gsi1pk", "gsi1sk"].map(attribute).to_vec()))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .global_secondary_indexes(old_index)
        .send()
        .await
        .expect("a table of the old shape");
    cli.ok(&["table", "ensure"]);
    let app_id = cli.ok(&["apps", "create", "--name", "Index"])["appId"]
        .as_u64()
        .unwrap();
    let store = sealing_store(client.clone(), &cli.table);
    let user = create_user(&store, app_id, "indexed").await;
    client
        .update_item()
        .table_name(&cli.table)
        .key("pk", AttributeValue::S(format!("USER#{app_id}#{}", user.id)))
        .key("sk", AttributeValue::S("USER".into()))
        .update_expression("SET twoFactor = :sealed")
        .expression_attribute_values(":sealed", AttributeValue::S("v1:sealed-secret".into()))
        .send()
        .await
        .unwrap();

    let described = client
        .describe_table()
        .table_name(&cli.table)
        .send()
        .await
        .unwrap();
    let indexes: Vec<(String, Option<ProjectionType>)> = described
        .table()
        .unwrap()
        .global_secondary_indexes()
        .iter()
        .map(|index| {
            let projection = index.projection().and_then(|p| p.projection_type()).cloned();
            (index.index_name().unwrap().to_owned(), projection)
        })
        .collect();
    assert_eq!(
        indexes,
        vec![("users".to_owned(), Some(ProjectionType::KeysOnly))]
    );
    let listed = client
        .query()
        .table_name(&cli.table)
        .index_name("users")
        .key_condition_expression("gsi1pk = :app")
        .expression_attribute_values(":app", AttributeValue::S(format!("APPUSERS#{app_id}")))
        .send()
        .await
        .unwrap();
    let mut names: Vec<&String> = listed.items()[0].keys().collect();
    names.sort();
    assert_eq!(names, ["gsi1pk", "gsi1sk", "pk", "sk"], "keys only, no secret");
    let users = cli.ok(&["users", "list", &app_id.to_string()]);
    assert_eq!(users[0]["userName"], "indexed", "{users}");
}

/// Apps stored before sealing keep their secrets in plain text: `apps
/// reseal` seals them, once, and leaves sealed ones alone; without the key
/// or with another one, no command reads an app.
#[tokio::test]
async fn apps_reseal_seals_what_was_stored_in_plain_text() {
    let fake = FakeWechat::start().await;
    let cli = Cli {
        table: format!("admin-reseal-{}-{}", std::process::id(), clock::now()),
        wechat: Some(fake.uri()),
    };
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let store = sealing_store(client.clone(), &cli.table);
    cli.ok(&["table", "ensure"]);
    fake.add_app("wx5eal0000000000a", "0123456789abcdef0123456789abcdef");
    let create = |name: &str| {
        cli.ok(&["apps", "create", "--name", name])["appId"]
            .as_u64()
            .unwrap()
    };
    let (old, sealed) = (create("Stored before sealing"), create("Sealed"));
    cli.ok(&[
        "apps",
        "set",
        &old.to_string(),
        "--wechat-mini-appid",
        "wx5eal0000000000a",
        "--wechat-mini-secret",
        "0123456789abcdef0123456789abcdef",
    ]);
    // The old app as the service stored it before sealing.
    let before = store.app(old).await.unwrap().unwrap();
    let mut plain: oauthapp_shared::store::Item = serde_dynamo::to_item(&before).unwrap();
    plain.extend(oauthapp_shared::store::keys::app(old).item());
    client
        .put_item()
        .table_name(&cli.table)
        .set_item(Some(plain))
        .send()
        .await
        .unwrap();
    let stored = |app_id: u64| {
        let client = client.clone();
        let table = cli.table.clone();
        async move {
            client
                .get_item()
                .table_name(table)
                .set_key(Some(oauthapp_shared::store::keys::app(app_id).item()))
                .send()
                .await
                .unwrap()
                .item
                .unwrap()
        }
    };
    let item = stored(old).await;
    assert!(item["secret"].is_s() && item["wechatMiniProgram"].as_m().unwrap()["secret"].is_s());

    assert_eq!(
        cli.ok(&["apps", "reseal"]),
        json!({
            "apps": 2,
            "resealed": [{ "appId": old, "secrets": 2 }],
            "alreadySealed": 1,
            "changedMeanwhile": [],
        })
    );
    let item = stored(old).await;
    assert!(item["secret"].is_b(), "{:?}", item["secret"]);
    assert!(item["wechatMiniProgram"].as_m().unwrap()["secret"].is_b());
    assert_eq!(
        store.app(old).await.unwrap().unwrap(),
        before,
        "the same secrets, sealed"
    );
    let again = cli.ok(&["apps", "reseal"]);
    assert_eq!(again["resealed"], json!([]));
    assert_eq!(again["alreadySealed"], 2);

    let shown = |key: Option<&str>| {
        let output = cli.run_with_key(&["apps", "show", &sealed.to_string()], key);
        assert_eq!(output.status.code(), Some(1));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let without = shown(None);
    assert!(without.contains("no APP_SECRETS_KEY"), "{without}");
    let other_key = shown(Some("another-app-secrets-key-of-32-bytes!!"));
    assert!(other_key.contains("does not open"), "{other_key}");
    let short = shown(Some("short"));
    assert!(short.contains("APP_SECRETS_KEY is invalid"), "{short}");
    // Nothing that needs no app needs the key.
    let ensured = cli.run_with_key(&["table", "ensure"], None);
    assert!(ensured.status.success());
}

/// Public properties (what v1 App/{appKey}/Info shows): set, described,
/// changed and removed by `apps set`; bad ones refused before anything is
/// written.
#[tokio::test]
async fn apps_set_manages_the_public_properties() {
    let cli = Cli {
        table: format!("admin-props-{}-{}", std::process::id(), clock::now()),
        wechat: None,
    };
    let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let store = sealing_store(aws_sdk_dynamodb::Client::new(&sdk), &cli.table);
    cli.ok(&["table", "ensure"]);
    let app_id = cli.ok(&["apps", "create", "--name", "Props"])["appId"]
        .as_u64()
        .unwrap();
    let app = app_id.to_string();
    assert_eq!(cli.ok(&["apps", "show", &app])["properties"], json!([]));

    let notice = "https://web.example/notice?lang=en";
    let set = cli.ok(&[
        "apps",
        "set",
        &app,
        "--prop",
        "minVersion=2.1.0",
        "--prop",
        &format!("notice.url={notice}"),
        "--prop-desc",
        "minVersion=Older clients must update",
    ]);
    assert_eq!(
        set["properties"],
        json!([
            {"code": "minVersion", "value": "2.1.0", "desc": "Older clients must update"},
            {"code": "notice.url", "value": notice},
        ])
    );
    // A new value keeps the description and the order.
    let changed = cli.ok(&["apps", "set", &app, "--prop", "minVersion=3.0.0"]);
    assert_eq!(
        changed["properties"][0],
        json!({"code": "minVersion", "value": "3.0.0", "desc": "Older clients must update"})
    );
    let removed = cli.ok(&[
        "apps",
        "set",
        &app,
        "--remove-prop",
        "notice.url",
        "--remove-prop",
        "never.set",
        "--prop-desc",
        "minVersion=",
    ]);
    assert_eq!(
        removed["properties"],
        json!([{"code": "minVersion", "value": "3.0.0"}])
    );

    let too_long_value = format!("a={}", "v".repeat(1001));
    let too_long_desc = format!("minVersion={}", "d".repeat(256));
    for bad in [
        ["--prop", "two words=x"],
        ["--prop", "no-value"],
        ["--prop", too_long_value.as_str()],
        ["--prop", "a=Pay\u{202E}laP"],
        ["--prop-desc", too_long_desc.as_str()],
        ["--remove-prop", "a/b"],
    ] {
        let refused = cli.fails(&[&["apps", "set", &app][..], &bad[..]].concat(), 2);
        assert!(refused.contains(bad[0]), "{bad:?}: {refused}");
    }
    let undescribed = cli.fails(&["apps", "set", &app, "--prop-desc", "absent=text"], 1);
    assert!(undescribed.contains("no property \"absent\""), "{undescribed}");
    let unclear = cli.fails(&["apps", "set", &app, "--prop", "x=1", "--remove-prop", "x"], 1);
    assert!(unclear.contains("give one"), "{unclear}");
    let many: Vec<String> = (0..50).map(|n| format!("p{n}=v")).collect();
    let mut args = vec!["apps", "set", app.as_str()];
    for prop in &many {
        args.extend(["--prop", prop.as_str()]);
    }
    assert!(cli.fails(&args, 1).contains("at most 50"));
    assert_eq!(
        cli.ok(&["apps", "show", &app]),
        removed,
        "nothing refused was written"
    );

    let stored = store.app(app_id).await.unwrap().unwrap().properties;
    assert_eq!(
        serde_json::to_value(stored).unwrap(),
        json!([{"code": "minVersion", "value": "3.0.0"}])
    );
    cli.delete_table(&store).await;
}

/// The v1 ledger's currencies and exchange rates: added, rated and removed
/// by `apps set`; bad ones refused before anything is written.
#[tokio::test]
async fn apps_set_manages_currencies_and_exchange_rates() {
    let cli = Cli {
        table: format!("admin-currency-{}-{}", std::process::id(), clock::now()),
        wechat: None,
    };
    cli.ok(&["table", "ensure"]);
    let app_id = cli.ok(&["apps", "create", "--name", "Ledger"])["appId"]
        .as_u64()
        .unwrap();
    let app = app_id.to_string();
    let shown = cli.ok(&["apps", "show", &app]);
    assert_eq!(
        (&shown["currencies"], &shown["exchangeRates"]),
        (&json!(["points"]), &json!([]))
    );
    let set = cli.ok(&[
        "apps",
        "set",
        &app,
        "--currency",
        "gold",
        "--currency",
        "gems",
        "--exchange-rate",
        "points:gold=100",
        "--exchange-rate",
        "gold:points=1/100",
    ]);
    assert_eq!(set["currencies"], json!(["points", "gold", "gems"]));
    assert_eq!(
        set["exchangeRates"],
        json!(["points:gold=100/1", "gold:points=1/100"])
    );
    // A new rate of a pair replaces the old one.
    let changed = cli.ok(&["apps", "set", &app, "--exchange-rate", "points:gold=50"]);
    assert_eq!(
        changed["exchangeRates"],
        json!(["gold:points=1/100", "points:gold=50/1"])
    );
    let removed = cli.ok(&["apps", "set", &app, "--remove-currency", "gold"]);
    assert_eq!(
        (&removed["currencies"], &removed["exchangeRates"]),
        (&json!(["points", "gems"]), &json!([]))
    );

    for bad in [
        ["--currency", "two words"],
        ["--currency", &"c".repeat(51)],
        ["--remove-currency", "a/b"],
        ["--exchange-rate", "points:gems"],
        ["--exchange-rate", "points:gems=0"],
        ["--exchange-rate", "points:gems=1.5"],
        ["--exchange-rate", "gems:gems=2"],
    ] {
        let refused = cli.fails(&[&["apps", "set", &app][..], &bad[..]].concat(), 2);
        assert!(refused.contains(bad[0]), "{bad:?}: {refused}");
    }
    let unknown = cli.fails(&["apps", "set", &app, "--exchange-rate", "points:silver=10"], 1);
    assert!(unknown.contains("no currency `silver`"), "{unknown}");
    let points = cli.fails(&["apps", "set", &app, "--remove-currency", "points"], 1);
    assert!(points.contains("legacy points"), "{points}");
    let unclear = cli.fails(
        &["apps", "set", &app, "--currency", "x", "--remove-currency", "x"],
        1,
    );
    assert!(unclear.contains("give one"), "{unclear}");
    assert_eq!(
        cli.ok(&["apps", "show", &app])["currencies"],
        removed["currencies"]
    );
}
