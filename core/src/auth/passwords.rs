//! argon2id password hashes (PHC strings), computed on the blocking pool so the async runtime
//! keeps serving, and bounded by a semaphore so a burst of sign-ins cannot take unbounded memory
//! (each hash takes 19 MiB).

use std::sync::{Arc, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::defaults::platform::{ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM};
use crate::{DomainError, DomainResult};

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
}

impl Default for Passwords {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Passwords {
            permits: Arc::new(Semaphore::new(cores * 2)),
        }
    }
}

fn argon2() -> DomainResult<Argon2<'static>> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .map_err(|e| DomainError::internal(anyhow::anyhow!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> DomainResult<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::internal(anyhow::anyhow!("argon2 hash: {e}")))
}

fn verify_blocking(phc: &str, password: &str) -> DomainResult<bool> {
    let parsed = PasswordHash::new(phc)
        .map_err(|e| DomainError::internal(anyhow::anyhow!("stored hash unreadable: {e}")))?;
    Ok(argon2()?
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// A hash of a random password, to verify against when the e-mail is unknown, so that an unknown
/// address costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking(&super::random_token(24)).unwrap_or_else(|_| {
            // Parameters are constants; hashing cannot fail in practice. A PHC string that
            // parses keeps `verify` on the same path.
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                .into()
        })
    })
}

impl Passwords {
    pub async fn hash(&self, password: &str) -> DomainResult<String> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(DomainError::internal)?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(DomainError::internal)?
    }

    /// Verifies against the stored hash, or against a dummy when there is none.
    pub async fn verify(&self, phc: Option<&str>, password: &str) -> DomainResult<bool> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(DomainError::internal)?;
        let known = phc.is_some();
        let phc = phc.map(str::to_owned);
        let password = password.to_owned();
        let matched = tokio::task::spawn_blocking(move || {
            let phc = phc.as_deref().unwrap_or_else(|| dummy_hash());
            verify_blocking(phc, &password)
        })
        .await
        .map_err(DomainError::internal)??;
        Ok(known && matched)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let p = Passwords::default();
        let h = p.hash("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(p.verify(Some(&h), "correct horse battery").await.unwrap());
        assert!(!p.verify(Some(&h), "wrong horse battery").await.unwrap());
        assert!(!p.verify(None, "correct horse battery").await.unwrap());
    }
}
