//! Secrets sealed at rest: values the portal must read back (an authenticator app's shared
//! secret), unlike passwords and tokens, which it only compares and so keeps as hashes.
//!
//! The key never lives in the database, so a copy of the database (a backup, a dump, a stolen
//! disk image of the database server) does not open what it seals. It comes from
//! `TRUCE_SECRET_KEY`, or else from `DATA_DIR/secret.key`, made at first start. Sealing is
//! AES-256-GCM with a random nonce per value and the value's owner as associated data, so a
//! sealed value copied onto another row does not open there. The ground floor: every layer
//! may use it, it uses none.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;

/// What a sealed value starts with: the scheme, so that a later one can sit beside it.
const SCHEME: &str = "v1:";
const NONCE_BYTES: usize = 12;
const KEY_BYTES: usize = 32;

/// The key that seals and opens secrets at rest. Its `Debug` shows a fingerprint only: the
/// settings that hold it are printed in debug output.
#[derive(Clone)]
pub struct SealKey([u8; KEY_BYTES]);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealKey({})", self.fingerprint())
    }
}

/// A sealed value that does not open: another key sealed it, or it was altered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a sealed secret does not open with this key (was TRUCE_SECRET_KEY or DATA_DIR/secret.key changed?)"
)]
pub struct Unopenable;

impl SealKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Reads a key written as base64 (standard or URL-safe, padded or not) or as hex, the
    /// forms `openssl rand -base64 32` and `openssl rand -hex 32` print.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bytes = if text.len() == KEY_BYTES * 2 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..KEY_BYTES)
                .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|e| e.to_string())?
        } else {
            let unpadded = text.trim_end_matches('=');
            URL_SAFE_NO_PAD
                .decode(unpadded.replace('+', "-").replace('/', "_"))
                .map_err(|_| "it is neither base64 nor hex".to_owned())?
        };
        let key: [u8; KEY_BYTES] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("it is {} bytes, not {KEY_BYTES}", b.len()))?;
        Ok(Self(key))
    }

    /// The key in `path`, made (readable by its owner only) if there is none. Two instances
    /// starting together on one data dir end up with the same key: the file is written whole
    /// under another name and linked into place only if nothing is there yet.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        if let Some(key) = Self::read(path)? {
            return Ok(key);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("cannot write a key file in {}", dir.display()))?;
        // NamedTempFile is created readable by its owner only (0600 on Unix).
        tmp.write_all(STANDARD.encode(Self::generate().0).as_bytes())?;
        tmp.write_all(b"\n")?;
        tmp.as_file().sync_all()?;
        match std::fs::hard_link(tmp.path(), path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
        Self::read(path)?.with_context(|| format!("{} vanished after it was made", path.display()))
    }

    fn read(path: &Path) -> anyhow::Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("{} is not a key: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
        }
    }

    /// A short, one-way name for the key, for logs: which key is in use, never the key.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest([b"truce-seal-key:".as_slice(), &self.0].concat());
        digest[..4].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }

    /// Seals `plain` for `owner` (e.g. the user id): only this key opens it, and only for
    /// the same owner.
    pub fn seal(&self, plain: &[u8], owner: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: owner.as_bytes(),
                },
            )
            .expect("AES-GCM seals any value this small");
        format!(
            "{SCHEME}{}",
            STANDARD.encode([nonce.as_slice(), &sealed].concat())
        )
    }

    pub fn open(&self, sealed: &str, owner: &str) -> Result<Vec<u8>, Unopenable> {
        let raw = sealed
            .strip_prefix(SCHEME)
            .and_then(|b64| STANDARD.decode(b64).ok())
            .ok_or(Unopenable)?;
        if raw.len() <= NONCE_BYTES {
            return Err(Unopenable);
        }
        let (nonce, body) = raw.split_at(NONCE_BYTES);
        self.cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| Unopenable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_for_its_owner_only() {
        let key = SealKey::generate();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP", "user-1");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(key.open(&sealed, "user-1").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(key.open(&sealed, "user-2"), Err(Unopenable));
        assert_eq!(SealKey::generate().open(&sealed, "user-1"), Err(Unopenable));
        assert_ne!(
            sealed,
            key.seal(b"JBSWY3DPEHPK3PXP", "user-1"),
            "a fresh nonce each time"
        );
        let mut altered = sealed.clone();
        altered.pop();
        altered.push('A');
        assert_eq!(key.open(&altered, "user-1"), Err(Unopenable));
        assert_eq!(key.open("plain text", "user-1"), Err(Unopenable));
    }

    #[test]
    fn keys_are_read_as_base64_or_hex_of_32_bytes() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let from_hex = SealKey::parse(hex).unwrap();
        let b64 = STANDARD.encode(from_hex.0);
        assert_eq!(SealKey::parse(&b64).unwrap().0, from_hex.0);
        assert_eq!(SealKey::parse(&format!(" {b64}\n")).unwrap().0, from_hex.0);
        assert_eq!(
            SealKey::parse(&URL_SAFE_NO_PAD.encode(from_hex.0))
                .unwrap()
                .0,
            from_hex.0
        );
        assert!(SealKey::parse("too short").is_err());
        assert!(
            SealKey::parse(&STANDARD.encode([1u8; 16]))
                .unwrap_err()
                .contains("16 bytes")
        );
        assert!(
            !format!("{from_hex:?}").contains("0011"),
            "Debug hides the key"
        );
    }

    #[test]
    fn the_key_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("secret.key");
        let made = SealKey::load_or_create(&path).unwrap();
        let again = SealKey::load_or_create(&path).unwrap();
        assert_eq!(made.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "only the owner reads the key file");
        }
        std::fs::write(&path, "nonsense").unwrap();
        assert!(SealKey::load_or_create(&path).is_err());
    }
}
