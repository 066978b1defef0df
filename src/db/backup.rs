//! Copies of the embedded SQLite database: made while the server runs, checked before they
//! count as a backup, and put back into a stopped data dir. PostgreSQL has its own tools
//! (`pg_dump`, `pg_restore`); the command line shows them instead.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

use super::DatabaseUrl;
use crate::domain::backup::Snapshot;

/// The tables whose row counts a backup reports: the program's data, so that an operator
/// sees at a glance that the copy holds what they expect.
pub const COUNTED_TABLES: &[&str] = &[
    "partner_orgs",
    "users",
    "registrations",
    "registration_events",
    "crm_accounts",
    "disputes",
    "credits",
    "outbox",
    "audit_events",
];

/// What a checked copy holds.
#[derive(Debug, Clone)]
pub struct Checked {
    pub bytes: u64,
    pub rows: Vec<(&'static str, i64)>,
    pub snapshot: Snapshot,
}

impl Checked {
    pub fn rows_of(&self, table: &str) -> Option<i64> {
        self.rows.iter().find(|(t, _)| *t == table).map(|(_, n)| *n)
    }
}

/// The file of the embedded database, or `None` on PostgreSQL.
pub fn sqlite_file(url: &DatabaseUrl) -> Option<&Path> {
    match url {
        DatabaseUrl::Sqlite(path) => Some(Path::new(path)),
        DatabaseUrl::Postgres(_) => None,
    }
}

/// Copies the database at `source` into `target` (which must not exist) while other
/// connections go on reading and writing, then checks the copy. `VACUUM INTO` reads one
/// consistent snapshot, so the copy is what a single instant saw, and it is compacted on
/// the way. The copy is written under a temporary name beside the target and renamed only
/// once it passed its checks: a `target` that exists is always a whole, checked backup.
/// `progress` is told the bytes written so far, five times a second, then that the check
/// begins (on a large database the check takes longer than the copy).
pub fn copy(
    source: &Path,
    target: &Path,
    mut progress: impl FnMut(Progress),
) -> anyhow::Result<Checked> {
    if target.exists() {
        bail!(
            "{} exists already: name a new file, or remove the old one first",
            target.display()
        );
    }
    if !source.exists() {
        bail!(
            "there is no database at {}: check --data-dir or TRUCE_DATABASE_URL",
            source.display()
        );
    }
    if let Some(dir) = target.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let partial = partial_name(target);
    let _ = std::fs::remove_file(&partial);
    let mut conn = open_existing(source)?;
    let into = partial.to_string_lossy().into_owned();
    let worker = std::thread::spawn(move || vacuum_into(&mut conn, &into));
    while !worker.is_finished() {
        std::thread::sleep(Duration::from_millis(200));
        if let Ok(meta) = std::fs::metadata(&partial) {
            progress(Progress::Written(meta.len()));
        }
    }
    let copied = worker
        .join()
        .map_err(|_| anyhow::anyhow!("the backup thread stopped unexpectedly"))?;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    progress(Progress::Checking);
    let checked = match check(&partial) {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.context("the copy failed its check and was removed"));
        }
    };
    sync_file(&partial)?;
    std::fs::rename(&partial, target)
        .with_context(|| format!("cannot name the backup {}", target.display()))?;
    sync_dir(target);
    Ok(checked)
}

/// Where a copy stands, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Bytes of the copy written so far.
    Written(u64),
    /// The copy is complete and being checked.
    Checking,
}

/// `VACUUM INTO` on an open connection (outside a transaction).
fn vacuum_into(conn: &mut SqliteConnection, target: &str) -> anyhow::Result<()> {
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(conn)
        .with_context(|| format!("cannot write the backup {target}"))?;
    Ok(())
}

fn partial_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.partial"))
}

/// Opens a database file that must exist (SQLite would otherwise create an empty one).
fn open_existing(path: &Path) -> anyhow::Result<SqliteConnection> {
    if !path.is_file() {
        bail!("{} is not a file", path.display());
    }
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())
        .with_context(|| format!("cannot open {}", path.display()))?;
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {};",
        super::BUSY_TIMEOUT_MS
    ))?;
    Ok(conn)
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Nullable<Text>)]
    version: Option<String>,
}

#[derive(QueryableByName)]
struct LastChange {
    #[diesel(sql_type = Nullable<Timestamp>)]
    at: Option<NaiveDateTime>,
}

/// Checks a database file: SQLite's own `integrity_check` (every page, index and
/// constraint), then counts the rows of the main tables and reads its schema version and
/// last recorded change. A file that is not a Truce database fails here.
pub fn check(path: &Path) -> anyhow::Result<Checked> {
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let mut conn = open_existing(path)?;
    let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .with_context(|| format!("{} is not a readable SQLite database", path.display()))?;
    if lines.len() != 1 || lines[0].integrity_check != "ok" {
        let found: Vec<String> = lines
            .into_iter()
            .take(5)
            .map(|l| l.integrity_check)
            .collect();
        bail!(
            "{} is damaged (integrity_check: {}): use another backup",
            path.display(),
            found.join("; ")
        );
    }
    let snapshot = snapshot_of(&mut conn)
        .with_context(|| format!("{} is not a Truce database", path.display()))?;
    let mut rows = Vec::with_capacity(COUNTED_TABLES.len());
    for table in COUNTED_TABLES {
        // A backup of an older release may lack a table added since: it is not counted.
        let exists: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
        )
        .bind::<Text, _>(*table)
        .get_result(&mut conn)?;
        if exists.n == 0 {
            continue;
        }
        let count: Count = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result(&mut conn)?;
        rows.push((*table, count.n));
    }
    Ok(Checked {
        bytes,
        rows,
        snapshot,
    })
}

fn snapshot_of(conn: &mut SqliteConnection) -> anyhow::Result<Snapshot> {
    let version: Version =
        diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
            .get_result(conn)?;
    // Every change a user or a job makes writes one of these; the newest is when the
    // database last changed.
    let last: LastChange = diesel::sql_query(
        "SELECT MAX(at) AS at FROM (\
           SELECT MAX(at) AS at FROM registration_events \
           UNION ALL SELECT MAX(at) FROM audit_events \
           UNION ALL SELECT MAX(updated_at) FROM registrations \
           UNION ALL SELECT MAX(created_at) FROM outbox)",
    )
    .get_result(conn)?;
    Ok(Snapshot {
        schema_version: version.version,
        last_change: last.at,
    })
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    pub backup: Checked,
    /// Where the database that was in place was moved to, if there was one.
    pub kept: Option<PathBuf>,
}

/// Puts a checked backup in place of the database at `target`. The server must be stopped:
/// a running one holds the file open and would go on writing to the replaced file. The
/// database that was there is kept beside it (`truce.db.replaced-TIME`), never deleted.
pub fn restore(
    backup: &Path,
    target: &Path,
    force: bool,
    now: NaiveDateTime,
) -> anyhow::Result<Restored> {
    let checked = check(backup)?;
    let mut kept = None;
    if target.exists() {
        let current = {
            let mut conn = open_existing(target)?;
            close_wal(&mut conn, target)?;
            snapshot_of(&mut conn).unwrap_or(Snapshot {
                schema_version: None,
                last_change: None,
            })
        };
        if let Err(refusal) = crate::domain::backup::may_restore(&current, &checked.snapshot, force)
        {
            bail!(
                "not restored: {refusal}. Check that {} is the backup you mean; to replace the \
                 database anyway, run the restore again with --force (the database in place is \
                 then kept beside it, not deleted)",
                backup.display()
            );
        }
        let aside = target.with_file_name(format!(
            "{}.replaced-{}",
            target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            now.format("%Y%m%d-%H%M%S")
        ));
        std::fs::rename(target, &aside).with_context(|| {
            format!(
                "cannot move the database in place aside to {}",
                aside.display()
            )
        })?;
        kept = Some(aside);
    } else if let Some(dir) = target.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let partial = partial_name(target);
    std::fs::copy(backup, &partial)
        .with_context(|| format!("cannot copy {} to {}", backup.display(), partial.display()))?;
    sync_file(&partial)?;
    std::fs::rename(&partial, target)
        .with_context(|| format!("cannot name the restored database {}", target.display()))?;
    sync_dir(target);
    Ok(Restored {
        backup: checked,
        kept,
    })
}

/// Folds the write-ahead log into the database and leaves WAL mode, which SQLite allows only
/// to the one connection to the file: so this fails exactly when a server has it open.
/// Afterwards the database is one self-contained file that can be moved.
fn close_wal(conn: &mut SqliteConnection, path: &Path) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    let in_use = || {
        anyhow::anyhow!(
            "the database {} is in use: stop the server first (e.g. `systemctl stop truce`), \
             then run the restore again",
            path.display()
        )
    };
    conn.batch_execute("PRAGMA busy_timeout = 0;")?;
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode = DELETE")
        .get_result(conn)
        .map_err(|_| in_use())?;
    if mode.journal_mode != "delete" {
        return Err(in_use());
    }
    Ok(())
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot write {} to disk", path.display()))
}

/// Makes a rename durable where the platform allows it (a folder cannot be opened for
/// syncing everywhere; the rename then relies on the file system's own journal).
fn sync_dir(file: &Path) {
    if let Some(dir) = file.parent()
        && let Ok(d) = std::fs::File::open(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
    {
        let _ = d.sync_all();
    }
}

/// The file this SQLite connection reads, from SQLite itself (`PRAGMA database_list`).
pub(super) fn file_of(conn: &mut SqliteConnection) -> anyhow::Result<Option<PathBuf>> {
    #[derive(QueryableByName)]
    struct Db {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        file: String,
    }
    let dbs: Vec<Db> = diesel::sql_query("PRAGMA database_list").load(conn)?;
    Ok(dbs
        .into_iter()
        .find(|d| d.name == "main" && !d.file.is_empty())
        .map(|d| PathBuf::from(d.file)))
}

/// Before new migrations touch a database that has data, a copy of it in `backups/` beside
/// the database file; returns the copy's path. A new, empty database has nothing to lose.
pub(super) fn before_migrating(
    conn: &mut SqliteConnection,
    now: NaiveDateTime,
) -> anyhow::Result<Option<PathBuf>> {
    let Some(file) = file_of(conn)? else {
        return Ok(None);
    };
    let dir = file
        .parent()
        .map_or_else(|| PathBuf::from("backups"), |d| d.join("backups"));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the backup folder {}", dir.display()))?;
    let target = dir.join(crate::domain::backup::file_name(
        now,
        crate::domain::backup::Reason::BeforeMigration,
    ));
    let partial = partial_name(&target);
    let _ = std::fs::remove_file(&partial);
    vacuum_into(conn, &partial.to_string_lossy())?;
    check(&partial).context("the backup made before migrating failed its check")?;
    sync_file(&partial)?;
    std::fs::rename(&partial, &target)
        .with_context(|| format!("cannot name the backup {}", target.display()))?;
    sync_dir(&target);
    Ok(Some(target))
}

/// A file in the backup folder, as the admin's System page lists it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub name: String,
    pub bytes: u64,
    /// From the name, for backups Truce made; `None` for other files.
    pub made: Option<(NaiveDateTime, crate::domain::backup::Reason)>,
}

/// The backups in `dir`, newest first (an absent folder has none).
pub fn list(dir: &Path) -> anyhow::Result<Vec<Stored>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("cannot read the backup folder {}", dir.display())));
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Copies in progress are hidden until they passed their check.
        if name.starts_with('.') || !entry.file_type()?.is_file() {
            continue;
        }
        found.push(Stored {
            made: crate::domain::backup::parse_name(&name),
            bytes: entry.metadata()?.len(),
            name,
        });
    }
    found.sort_by(|a, b| {
        b.made
            .map(|m| m.0)
            .cmp(&a.made.map(|m| m.0))
            .then(b.name.cmp(&a.name))
    });
    Ok(found)
}
