//! Password hashing: argon2id at OWASP's parameters, stored as a PHC string.
//! Hashing is CPU-bound, so the async wrappers run it on the blocking pool.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Error;

/// OWASP's argon2id recommendation: 19 MiB, two passes, one lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// A hash of a random password nobody knows, at the same parameters. Checking
/// a password against it when the user does not exist makes "unknown user"
/// take as long as "wrong password". Made once with `hash` of 32 random bytes
/// that were then thrown away.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$nJr3aLdFRRB4aJxYHRyZtQ$9vOzdO/rT0VQ3yJ0tmfgtB8tRQ3VLbZtn09CqYLqvFQ";

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("OWASP parameters are valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with a fresh random salt.
pub fn hash(password: &str) -> String {
    argon2()
        .hash_password(password.as_bytes())
        .expect("argon2 with valid parameters and a generated salt cannot fail")
        .to_string()
}

/// Whether `password` matches the PHC string `phc`.
pub fn verify(password: &str, phc: &str) -> bool {
    argon2().verify_password(password.as_bytes(), phc).is_ok()
}

/// Spends the time of one verification and answers false.
pub fn verify_decoy(password: &str) -> bool {
    std::hint::black_box(verify(password, DECOY_HASH));
    false
}

pub async fn hash_blocking(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(Error::internal)
}

/// Verifies against `phc`, or against the decoy when there is no hash.
pub async fn verify_blocking(password: String, phc: Option<String>) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => verify_decoy(&password),
    })
    .await
    .map_err(Error::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_at_owasp_parameters_and_verifies() {
        let phc = hash("correct horse");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse", &phc));
        assert!(!verify("wrong horse", &phc));
        assert_ne!(phc, hash("correct horse"), "each hash has its own salt");
    }

    #[test]
    fn decoy_has_the_same_cost_as_a_real_hash() {
        let real = hash("x");
        let params = |phc: &str| phc.split('$').nth(3).unwrap().to_owned();
        assert_eq!(params(DECOY_HASH), params(&real));
        assert!(!verify_decoy("anything"));
    }

    #[test]
    fn decoy_is_a_well_formed_hash() {
        // A decoy that failed to parse would be rejected at once, and the
        // "unknown user" answer would be measurably faster.
        assert!(argon2::password_hash::phc::PasswordHash::new(DECOY_HASH).is_ok());
    }

    #[test]
    fn rejects_a_malformed_hash() {
        assert!(!verify("x", "not a phc string"));
    }
}
