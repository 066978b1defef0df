//! Uploaded CRM files under `DATA_DIR/imports/`. An upload is streamed there as a temporary
//! file (never held in memory). After a dry run with valid rows the whole file is kept as
//! `<random id>.csv`, so the "Import" button names a file that is complete; the button claims
//! it by renaming it (so it cannot start two imports), and the import removes it. Files left
//! behind are removed after [`KEEP_UPLOADS`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempPath;

use crate::ids;

/// How long a dry-run upload waits for its "Import" button.
pub const KEEP_UPLOADS: Duration = Duration::from_secs(24 * 3600);

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("imports")
}

/// An upload id as [`ids::generate`] makes them; anything else names no file.
pub fn is_upload_id(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn stored(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.csv"))
}

/// True while the dry run's upload `id` waits for its button.
pub fn is_waiting(dir: &Path, id: &str) -> bool {
    is_upload_id(id) && stored(dir, id).is_file()
}

/// Keeps a checked file for its "Import" button; returns its id. Stale uploads go first.
pub fn keep(file: TempPath, dir: &Path) -> std::io::Result<String> {
    remove_stale(dir);
    let id = ids::generate();
    file.persist(stored(dir, &id)).map_err(|e| e.error)?;
    Ok(id)
}

/// Takes the waiting upload `id` for an import: renamed, so a second press of the button
/// finds nothing, and removed when the returned path is dropped. `None` when there is no
/// such upload (imported already, or removed as stale).
pub fn claim(dir: &Path, id: &str) -> std::io::Result<Option<TempPath>> {
    if !is_upload_id(id) {
        return Ok(None);
    }
    let claimed = dir.join(format!("{id}.importing"));
    match std::fs::rename(stored(dir, id), &claimed) {
        Ok(()) => TempPath::try_from_path(claimed).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Removes uploads nobody imported (and files of imports that died with their process).
/// Best effort: a file that cannot be removed now is tried again next time.
fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > KEEP_UPLOADS);
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_ids_name_an_upload() {
        assert!(is_upload_id(&ids::generate()));
        assert!(!is_upload_id("../../etc/passwd"));
        assert!(!is_upload_id(&format!("{}/", &ids::generate()[..42])));
        assert!(!is_upload_id(""));
    }

    #[test]
    fn a_kept_upload_is_claimed_once_and_removed_with_its_import() {
        let dir = tempfile::tempdir().unwrap();
        let file = tempfile::NamedTempFile::new_in(dir.path()).unwrap();
        let id = keep(file.into_temp_path(), dir.path()).unwrap();
        assert!(is_waiting(dir.path(), &id));
        let claimed = claim(dir.path(), &id).unwrap().expect("the upload waits");
        assert!(!is_waiting(dir.path(), &id));
        assert!(claim(dir.path(), &id).unwrap().is_none(), "claimed once");
        let path = claimed.to_path_buf();
        drop(claimed);
        assert!(!path.exists(), "removed once imported");
        assert!(claim(dir.path(), "../x").unwrap().is_none());
    }
}
