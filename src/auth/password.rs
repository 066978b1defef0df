//! Password hashing with argon2id. Hashing is slow on purpose, so callers run it off the
//! actix worker threads (`hash_blocking`/`verify_blocking`).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::HashParams;
use crate::error::AppError;

fn hasher(params: &HashParams) -> Argon2<'static> {
    let params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        None,
    )
    .expect("validated in HashParams::new");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(params: &HashParams, password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(params)
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
