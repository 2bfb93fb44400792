//! Loads the keyring: `OPSKNIGHT_SECRET_KEYS`, else `<data dir>/secret.key`, generated (mode
//! 0600) on first start with a warning, so the one-command run works without setup.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use app::secrets::Keyring;

/// Validates a configured key list without touching the disk (start-up checks).
pub fn check(configured: Option<&str>) -> anyhow::Result<()> {
    match configured.filter(|l| !l.trim().is_empty()) {
        Some(list) => Keyring::parse(list)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("--secret-keys (OPSKNIGHT_SECRET_KEYS): {e}")),
        None => Ok(()),
    }
}

pub fn load(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Keyring> {
    if let Some(list) = configured.filter(|l| !l.trim().is_empty()) {
        return Keyring::parse(list)
            .map_err(|e| anyhow::anyhow!("--secret-keys (OPSKNIGHT_SECRET_KEYS): {e}"));
    }
    let path = data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => Keyring::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("create data dir {}", data_dir.display()))?;
            let key = Keyring::generate();
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("create {}", path.display()))?;
            f.write_all(format!("{key}\n").as_bytes())
                .with_context(|| format!("write {}", path.display()))?;
            tracing::warn!(path = %path.display(),
                "generated a secret key for encrypting settings and signing links; \
                 in production set OPSKNIGHT_SECRET_KEYS and keep it safe");
            Keyring::parse(&key).map_err(|e| anyhow::anyhow!("generated key: {e}"))
        }
        Err(e) => Err(anyhow::anyhow!("read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_with_mode_0600_then_reuses() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = load(None, dir.path()).unwrap();
        let mode = std::fs::metadata(dir.path().join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let sealed = a.encrypt("x");
        let b = load(None, dir.path()).unwrap();
        assert_eq!(b.decrypt(&sealed).unwrap(), "x");
        let err = load(Some("nope"), dir.path()).unwrap_err().to_string();
        assert!(err.contains("OPSKNIGHT_SECRET_KEYS"), "{err}");
    }
}
