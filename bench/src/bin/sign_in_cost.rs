//! A password sign-in's time as a ratio to one argon2id verification, both
//! timed in the same run, turn about, so that the machine's speed cancels
//! out: what the sign-in adds to the hash it cannot avoid (DynamoDB
//! Local's round trips, the lockout's writes, the token). Run through
//! `scripts/measure.sh sign-in`.

use std::time::{Duration, Instant};

use bench::fixture::{Fixture, PASSWORD_USER};
use bench::stats::{Samples, ms};
use bench::{Failure, check_answer, local_stack};
use lambda_http::Body;
use oauthapp_shared::Services;
use oauthapp_shared::auth::password;
use oauthapp_shared::http::function::Function;

/// Timed rounds of each, after `WARM_UP` untimed ones.
const ROUNDS: usize = 40;
const WARM_UP: usize = 3;

/// The ratio the sign-in should stay within.
const TARGET: f64 = 1.2;

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("sign-in-cost: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Failure> {
    let (sdk, config) = local_stack().await?;
    let services = Services::new(config, aws_sdk_dynamodb::Client::new(&sdk));
    let fixture = Fixture::provision(&services).await?;
    let account = Function::new(services, account::routes());
    let event = fixture.sign_in();
    let (mut verify, mut sign_in) = (Vec::new(), Vec::new());
    for round in 0..WARM_UP + ROUNDS {
        let started = Instant::now();
        assert!(password::verify(PASSWORD_USER.1, &fixture.password_hash));
        let verified = started.elapsed();
        let started = Instant::now();
        let response = account.answer(event.to_request()).await;
        let signed_in = started.elapsed();
        let Body::Text(body) = response.body() else {
            return Err(format!("a body that is not text: {:?}", response.body()).into());
        };
        check_answer(response.status().as_u16(), body, 200)?;
        if round >= WARM_UP {
            verify.push(verified);
            sign_in.push(signed_in);
        }
    }
    let (verify, sign_in) = (Samples::new(verify), Samples::new(sign_in));
    let ratio = |of: fn(&Samples) -> Duration| of(&sign_in).as_secs_f64() / of(&verify).as_secs_f64();
    println!("{ROUNDS} rounds of each, turn about, after {WARM_UP} untimed ones\n");
    println!(
        "| | argon2id verify ms | POST SignIn ms | ratio (target ≤ {TARGET}) |\n| --- | --- | --- | --- |"
    );
    for (name, of) in [
        ("min", Samples::min as fn(&Samples) -> Duration),
        ("median", Samples::median),
    ] {
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} |",
            ms(of(&verify)),
            ms(of(&sign_in)),
            ratio(of)
        );
    }
    Ok(())
}
