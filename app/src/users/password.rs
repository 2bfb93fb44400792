//! Password hashing with argon2id, always off the async runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

/// argon2id, 19 MiB, 7 passes, 1 lane: OWASP's memory floor with the time cost raised until
/// one hash takes 50–100 ms on a 2-core server (scripts/bench-login.sh measures it).
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 7;

fn hasher() -> Result<Argon2<'static>, AppError> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None).map_err(|e| AppError::Internal {
        message: format!("argon2 params: {e}"),
    })?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// At most one hash per core runs at once, so a flood of sign-ins queues instead of taking
/// every core (and 19 MiB per hash) from paging work.
async fn permit() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
            tokio::sync::Semaphore::new(cores)
        })
        .acquire()
        .await
        .map_err(|e| AppError::Internal {
            message: format!("hash permits closed: {e}"),
        })
}

/// Hashes a password on the blocking pool.
pub async fn hash(password: String) -> Result<String, AppError> {
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        hasher()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal {
                message: format!("hash password: {e}"),
            })
    })
    .await
    .map_err(|e| AppError::Internal {
        message: format!("hash task: {e}"),
    })?
}

/// Verifies a password against a stored PHC string on the blocking pool.
pub async fn verify(password: String, phc: String) -> Result<bool, AppError> {
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc).map_err(|e| AppError::Internal {
            message: format!("stored hash unreadable: {e}"),
        })?;
        Ok(hasher()?
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::Internal {
        message: format!("verify task: {e}"),
    })?
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hash_then_verify() {
        let h = super::hash("tangerine-kettle-orbit".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            super::verify("tangerine-kettle-orbit".into(), h.clone())
                .await
                .unwrap()
        );
        assert!(
            !super::verify("tangerine-kettle-orbiT".into(), h)
                .await
                .unwrap()
        );
    }
}
