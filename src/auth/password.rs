//! Password hashing with argon2id. Hashing is slow on purpose, so callers run it off the
//! actix worker threads (`hash_blocking`/`verify_blocking`).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

/// OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane.
pub const MIN_MEMORY_KIB: u32 = 19_456;
pub const MIN_ITERATIONS: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        Self {
            memory_kib: MIN_MEMORY_KIB,
            iterations: MIN_ITERATIONS,
            parallelism: 1,
        }
    }
}

impl HashParams {
    /// Refuses parameters weaker than OWASP's minimum.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, String> {
        if memory_kib < MIN_MEMORY_KIB {
            return Err(format!(
                "TRUCE_ARGON2_MEMORY_KIB must be at least {MIN_MEMORY_KIB} (OWASP minimum)"
            ));
        }
        if iterations < MIN_ITERATIONS {
            return Err(format!(
                "TRUCE_ARGON2_ITERATIONS must be at least {MIN_ITERATIONS} (OWASP minimum)"
            ));
        }
        if !(1..=16).contains(&parallelism) {
            return Err("TRUCE_ARGON2_PARALLELISM must be between 1 and 16".into());
        }
        Params::new(memory_kib, iterations, parallelism, None)
            .map_err(|e| format!("argon2 parameters rejected: {e}"))?;
        Ok(Self {
            memory_kib,
            iterations,
            parallelism,
        })
    }

    fn hasher(&self) -> Argon2<'static> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .expect("validated in HashParams::new");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

pub fn hash(params: &HashParams, password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    params
        .hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("password hashing failed: {e}")))
}

/// Verifies against the parameters stored in the hash itself, so raising the configured cost
/// does not lock out existing users.
pub fn verify(stored_hash: &str, password: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub async fn hash_blocking(params: HashParams, password: String) -> Result<String, AppError> {
    actix_web::web::block(move || hash(&params, &password))
        .await
        .map_err(AppError::internal)?
}

/// Checks a password against a user's hash. With no hash (unknown email, invited user) a
/// dummy hash is checked instead, so the response takes as long either way and does not
/// tell which emails exist.
pub async fn verify_blocking(
    params: HashParams,
    stored_hash: Option<String>,
    password: String,
) -> Result<bool, AppError> {
    actix_web::web::block(move || match stored_hash {
        Some(h) => Ok(verify(&h, &password)),
        None => {
            let _ = hash(&params, &password)?;
            Ok(false)
        }
    })
    .await
    .map_err(AppError::internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = hash(&HashParams::default(), "correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(&h, "correct horse battery"));
        assert!(!verify(&h, "correct horse battery!"));
        assert!(!verify("not a hash", "x"));
    }

    #[test]
    fn weak_parameters_are_refused() {
        assert!(HashParams::new(8_192, 2, 1).is_err());
        assert!(HashParams::new(19_456, 1, 1).is_err());
        assert!(HashParams::new(65_536, 3, 2).is_ok());
    }
}
