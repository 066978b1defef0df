//! Backups of the embedded database: what a backup file is called, which of the kept ones to
//! remove, and whether a restore may replace the database in place. The copying and checking
//! are `db::backup`'s.

use chrono::NaiveDateTime;

/// Why a backup was made; part of its file name, so a directory listing says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Asked for with `truce backup`.
    Manual,
    /// The job runner's daily copy; only these are removed by the retention rule.
    Daily,
    /// Made by the server before it applied new migrations.
    BeforeMigration,
}

impl Reason {
    fn tag(self) -> &'static str {
        match self {
            Reason::Manual => "manual",
            Reason::Daily => "daily",
            Reason::BeforeMigration => "before-migration",
        }
    }
}

/// `truce-20261206-031500-daily.db`: sorts by time within one reason, and tells what made it.
pub fn file_name(at: NaiveDateTime, reason: Reason) -> String {
    format!("truce-{}-{}.db", at.format("%Y%m%d-%H%M%S"), reason.tag())
}

/// When a backup named by [`file_name`] was made, and why; `None` for other files.
pub fn parse_name(name: &str) -> Option<(NaiveDateTime, Reason)> {
    let rest = name.strip_prefix("truce-")?.strip_suffix(".db")?;
    let (stamp, tag) = (rest.get(..15)?, rest.get(16..)?);
    let reason = [Reason::Manual, Reason::Daily, Reason::BeforeMigration]
        .into_iter()
        .find(|r| r.tag() == tag)?;
    let at = NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?;
    Some((at, reason))
}

/// The daily backups to delete so that the newest `keep` remain. Names other than daily
/// backups (manual copies, the ones made before a migration, anything an operator put there)
/// are never removed: only what the job runner made, it cleans up.
pub fn daily_to_remove(names: &[String], keep: usize) -> Vec<String> {
    let mut daily: Vec<&String> = names
        .iter()
        .filter(|n| matches!(parse_name(n), Some((_, Reason::Daily))))
        .collect();
    // The timestamp is fixed-width, so the names sort by time.
    daily.sort_unstable_by(|a, b| b.cmp(a));
    daily.into_iter().skip(keep).cloned().collect()
}

/// True when a daily backup is due: none yet, or the newest is a day old.
pub fn daily_due(last: Option<NaiveDateTime>, now: NaiveDateTime) -> bool {
    last.is_none_or(|at| now - at >= chrono::TimeDelta::hours(24))
}

/// What a database holds, as far as a restore decision needs: the newest migration applied
/// and the newest change recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// Migration versions sort by their date-and-number names.
    pub schema_version: Option<String>,
    pub last_change: Option<NaiveDateTime>,
}

/// Why a restore was refused, with what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NewerSchema {
        current: String,
        backup: String,
    },
    /// `backup` is `None` when the backup holds no recorded change at all.
    NewerData {
        current: NaiveDateTime,
        backup: Option<NaiveDateTime>,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NewerSchema { current, backup } => write!(
                f,
                "the database in place has a newer schema ({current}) than the backup ({backup})"
            ),
            Refusal::NewerData { current, backup } => write!(
                f,
                "the database in place has changes up to {} UTC, after the backup's last \
                 change ({})",
                current.format("%Y-%m-%d %H:%M:%S"),
                backup.map_or("none".to_owned(), |b| format!(
                    "{} UTC",
                    b.format("%Y-%m-%d %H:%M:%S")
                ))
            ),
        }
    }
}

/// A restore may replace the database in place only when that loses nothing newer than the
/// backup: a restore run against the wrong file, or twice, must not silently throw away the
/// weeks since. `--force` is the operator saying that is what they want.
pub fn may_restore(current: &Snapshot, backup: &Snapshot, force: bool) -> Result<(), Refusal> {
    if force {
        return Ok(());
    }
    if let (Some(c), Some(b)) = (&current.schema_version, &backup.schema_version)
        && c > b
    {
        return Err(Refusal::NewerSchema {
            current: c.clone(),
            backup: b.clone(),
        });
    }
    match (current.last_change, backup.last_change) {
        (Some(c), b) if b.is_none_or(|b| c > b) => Err(Refusal::NewerData {
            current: c,
            backup: b,
        }),
        _ => Ok(()),
    }
}

/// Bytes for people: "512 B", "3.4 MiB", "1.2 GiB".
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn names_carry_the_time_and_the_reason() {
        let t = at("2026-12-06 03:15:00");
        assert_eq!(
            file_name(t, Reason::Daily),
            "truce-20261206-031500-daily.db"
        );
        assert_eq!(
            file_name(t, Reason::BeforeMigration),
            "truce-20261206-031500-before-migration.db"
        );
    }

    #[test]
    fn names_read_back() {
        let t = at("2026-12-06 03:15:00");
        for reason in [Reason::Manual, Reason::Daily, Reason::BeforeMigration] {
            assert_eq!(parse_name(&file_name(t, reason)), Some((t, reason)));
        }
        assert_eq!(parse_name("truce-2026-daily.db"), None);
        assert_eq!(parse_name("truce-20261206-031500-weekly.db"), None);
        assert_eq!(parse_name("notes.txt"), None);
    }

    #[test]
    fn only_the_oldest_daily_backups_go() {
        let names: Vec<String> = [
            "truce-20261201-000000-daily.db",
            "truce-20261203-000000-daily.db",
            "truce-20261202-000000-daily.db",
            "truce-20261130-000000-before-migration.db",
            "truce-20261129-000000-manual.db",
            "notes.txt",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            daily_to_remove(&names, 2),
            vec!["truce-20261201-000000-daily.db".to_owned()]
        );
        assert!(daily_to_remove(&names, 3).is_empty());
        assert_eq!(daily_to_remove(&names, 0).len(), 3);
    }

    #[test]
    fn a_daily_backup_is_due_once_a_day() {
        let now = at("2026-12-06 03:00:00");
        assert!(daily_due(None, now));
        assert!(!daily_due(Some(at("2026-12-05 04:00:00")), now));
        assert!(daily_due(Some(at("2026-12-05 03:00:00")), now));
    }

    fn snap(schema: &str, last: Option<&str>) -> Snapshot {
        Snapshot {
            schema_version: Some(schema.into()),
            last_change: last.map(at),
        }
    }

    #[test]
    fn a_restore_never_silently_loses_newer_data() {
        let backup = snap("20261123000020", Some("2026-12-01 10:00:00"));
        // Same or older: fine (the usual drill, a fresh data dir, or the same backup again).
        assert_eq!(
            may_restore(
                &snap("20261123000020", Some("2026-12-01 10:00:00")),
                &backup,
                false
            ),
            Ok(())
        );
        assert_eq!(
            may_restore(&snap("20261123000013", None), &backup, false),
            Ok(())
        );
        // Newer changes or a newer schema: refused unless forced.
        let newer = snap("20261123000020", Some("2026-12-02 09:00:00"));
        assert!(matches!(
            may_restore(&newer, &backup, false),
            Err(Refusal::NewerData { .. })
        ));
        assert_eq!(may_restore(&newer, &backup, true), Ok(()));
        assert!(matches!(
            may_restore(&snap("20261201000001", None), &backup, false),
            Err(Refusal::NewerSchema { .. })
        ));
        // A backup of an empty database does not replace one with data.
        assert!(
            may_restore(
                &snap("20261123000020", Some("2026-12-01 10:00:00")),
                &snap("20261123000020", None),
                false
            )
            .is_err()
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(3 * 1024 * 1024 + 400 * 1024), "3.4 MiB");
        assert_eq!(size(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }
}
