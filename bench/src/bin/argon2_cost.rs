//! Time of one argon2id hash and one verification at the parameters the
//! service uses, on this machine's CPU. Run through `scripts/measure.sh`.

use std::time::{Duration, Instant};

use bench::stats::{Samples, ms};
use oauthapp_shared::auth::password;

const ROUNDS: usize = 30;

fn summary(name: &str, samples: Vec<Duration>) {
    let samples = Samples::new(samples);
    println!(
        "| {name} | {:.1} | {:.1} | {:.1} |",
        ms(samples.min()),
        ms(samples.median()),
        ms(samples.percentile(90)),
    );
}

fn timed(mut work: impl FnMut()) -> Vec<Duration> {
    (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect()
}

fn main() {
    println!(
        "argon2id m={} KiB, t={}, p={}; {ROUNDS} rounds each, one thread\n",
        password::MEMORY_KIB,
        password::ITERATIONS,
        password::PARALLELISM
    );
    println!("| operation | min ms | median ms | p90 ms |\n| --- | --- | --- | --- |");
    let phc = password::hash("measure-password");
    summary("hash", timed(|| drop(password::hash("measure-password"))));
    summary(
        "verify (match)",
        timed(|| assert!(password::verify("measure-password", &phc))),
    );
    summary(
        "verify (mismatch)",
        timed(|| assert!(!password::verify("wrong-password", &phc))),
    );
    summary(
        "verify (decoy, unknown user)",
        timed(|| assert!(!password::verify_decoy("measure-password"))),
    );
}
