//! Database access: one connection type over SQLite and PostgreSQL, the pool, migrations
//! and the few places where the two backends differ.

pub mod backup;
mod bulk;
pub mod models;
pub mod schema;
pub mod search;
pub mod stamp;
mod text;

pub use bulk::{DroppedIndexes, MAX_BINDS, RebuildError, drop_indexes, insert_rows};

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary but fixed key, so every instance sharing a PostgreSQL database takes the same
/// advisory lock while it migrates.
const MIGRATION_LOCK_KEY: i64 = 0x7275_6365_6d69_6772;

/// The connection every model function takes. Backend-specific SQL lives in this module only.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs a query on the backend's own connection, for the reads every page makes (the
/// session, the user, the organisation, two-step sign-in, the policy in force) and the
/// list pages' own (`registration::lists`).
///
/// Why: through `DbConnection`, diesel's `MultiConnection` writes a statement's SQL out
/// again in each pass it makes over the query (asking whether it may be cached, binding its
/// values), even when the statement is already prepared and cached: an allocation per quoted
/// identifier, a seventh of a page's instructions. On the backend's own connection a cached
/// statement is found by its Rust type and no SQL is written. The query is written once
/// and compiled for each backend, so it must not be boxed for `MultiBackend`.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $query:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $query,
            $crate::db::DbConnection::Pg($c) => $query,
        }
    };
}
pub(crate) use on_backend;

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Which database a URL names; decided once, from the URL's form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path for the embedded database.
    Sqlite(String),
}

impl DatabaseUrl {
    /// Accepts `postgres://`/`postgresql://` URLs, `sqlite://PATH`, `sqlite:PATH` or a plain
    /// file path.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("the database URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres(raw.to_owned()));
        }
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .unwrap_or(raw);
        if path.contains("://") {
            return Err(format!(
                "unsupported database URL '{raw}': use postgres://USER@HOST/DB or sqlite://PATH"
            ));
        }
        if path.is_empty() {
            return Err("the SQLite database path is empty".into());
        }
        Ok(Self::Sqlite(path.to_owned()))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }
}

/// r2d2 manager that opens the backend the URL names (never guesses by trial connection).
#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Pg)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // The busy timeout comes first so that the other pragmas, and every later write,
                // wait for a lock instead of failing at once. WAL lets readers run beside the
                // one writer.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// One connection outside the pool, set up as the pool's are: for work beside the pool's,
/// such as a checkpointer.
pub fn open(url: &DatabaseUrl) -> Result<DbConnection, diesel::r2d2::Error> {
    r2d2::ManageConnection::connect(&Manager { url: url.clone() })
}

/// Opens the pool. For SQLite the file's folder is created first.
pub fn connect(url: &DatabaseUrl, max_size: u32) -> anyhow::Result<Pool> {
    connect_observed(url, max_size, Box::new(r2d2::NopEventHandler))
}

/// Opens the pool with `events` told of every checkout (the server's metrics time the
/// waits for a connection).
pub fn connect_observed(
    url: &DatabaseUrl,
    max_size: u32,
    events: Box<dyn r2d2::HandleEvent>,
) -> anyhow::Result<Pool> {
    if let DatabaseUrl::Sqlite(path) = url
        && let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("cannot create the database folder {}: {e}", dir.display())
        })?;
    }
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        // A PostgreSQL connection can be dropped by the server or the network, so it is
        // checked before use; a SQLite one is a file handle that cannot be, and its check
        // was a statement at every checkout, three a page.
        .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
        .connection_timeout(Duration::from_secs(10))
        .event_handler(events)
        .build(Manager { url: url.clone() })
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
    Ok(pool)
}

/// Applies pending migrations (on PostgreSQL under an advisory lock so that several instances
/// starting together migrate once) and writes the default program policy as version 1 if the
/// database has none, so every command finds a policy in force.
///
/// It also recomputes the stored exact prospect keys and the matching engine's blocking keys
/// when they were computed by another version of their rules
/// (`models::prospect_identity::ensure_current`, `models::prospect_key::ensure_current`),
/// logging the progress.
pub fn migrate(conn: &mut DbConnection) -> anyhow::Result<usize> {
    if let DbConnection::Pg(c) = conn {
        c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
    }
    let result = migrate_locked(conn);
    if let DbConnection::Pg(c) = conn {
        c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
    }
    result
}

fn migrate_locked(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConnection::Sqlite(c) => {
            back_up_before_migrating(c)?;
            run_migrations(c, SQLITE_MIGRATIONS)?
        }
        DbConnection::Pg(c) => run_migrations(c, POSTGRES_MIGRATIONS)?,
    };
    // Before anything else may record an event: the events recorded before the audit chain
    // existed are numbered by its migration and hashed here, by the same Rust function
    // that checks them (SQLite has no SHA-256 in SQL). On PostgreSQL this runs under the
    // migration lock, so instances starting together seal once.
    if let Some(events) = models::audit::seal_backfill(conn)
        .map_err(|e| anyhow::anyhow!("cannot chain the earlier audit events: {e}"))?
    {
        tracing::info!(events, "earlier audit events added to the audit chain");
    }
    let now = chrono::Utc::now().naive_utc();
    models::policy::ensure_initial(conn, now)?;
    models::compensation::ensure_initial(conn, now)?;
    let mut last_log = std::time::Instant::now();
    let rekeyed = models::prospect_identity::ensure_current(conn, now, |done, total| {
        if last_log.elapsed() >= Duration::from_secs(2) {
            last_log = std::time::Instant::now();
            tracing::info!(done, total, "recomputing the prospect keys");
        }
    })
    .map_err(|e| anyhow::anyhow!("cannot recompute the prospect keys: {e}"))?;
    if let Some(r) = rekeyed {
        tracing::info!(
            version = models::prospect_identity::VERSION,
            accounts = r.accounts,
            registrations = r.registrations,
            "prospect keys recomputed"
        );
        if !r.shared.is_empty() {
            tracing::warn!(
                count = r.shared.len(),
                registrations = ?r.shared,
                "registrations now name the same prospect as an earlier one; flagged for the \
                 channel team (review queue), none declined"
            );
        }
    }
    let rebuilt = models::prospect_key::ensure_current(conn, now, |done, total| {
        if last_log.elapsed() >= Duration::from_secs(2) || done == total {
            last_log = std::time::Instant::now();
            if done == total {
                tracing::info!(
                    total,
                    "prospect matching keys computed; sorting them into their index"
                );
            } else {
                tracing::info!(done, total, "rebuilding the prospect matching keys");
            }
        }
    })
    .map_err(|e| anyhow::anyhow!("cannot rebuild the prospect matching keys: {e}"))?;
    if rebuilt {
        tracing::info!(
            version = models::prospect_key::VERSION,
            "prospect matching keys are current"
        );
    }
    Ok(applied)
}

/// An upgrade that goes wrong halfway must leave a way back: before new migrations change
/// an SQLite database that already has a schema, a checked copy goes to `backups/` beside it,
/// named in the log. PostgreSQL operators back up with their own tools (README, "Upgrades").
fn back_up_before_migrating(c: &mut SqliteConnection) -> anyhow::Result<()> {
    let pending = c
        .pending_migrations(SQLITE_MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))?;
    if pending.is_empty() {
        return Ok(());
    }
    let applied = c
        .applied_migrations()
        .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))?;
    if applied.is_empty() {
        return Ok(());
    }
    let now = chrono::Utc::now().naive_utc();
    tracing::info!(
        pending = pending.len(),
        "new migrations to apply; backing up the database first"
    );
    let started = std::time::Instant::now();
    match backup::before_migrating(c, now).map_err(|e| {
        e.context(
            "the backup before migrating failed, so nothing was migrated: free disk space \
             or fix the folder's permissions, then start again",
        )
    })? {
        Some(file) => tracing::info!(
            file = %file.display(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "database backed up before migrating; restore it with `truce restore` if the \
             upgrade goes wrong"
        ),
        None => tracing::info!("in-memory database: no backup before migrating"),
    }
    Ok(())
}

/// Applies the first `count` migrations only: the schema of an earlier release, for the
/// upgrade tests that open such a database with this one.
#[doc(hidden)]
pub fn migrate_first(conn: &mut DbConnection, count: usize) -> anyhow::Result<()> {
    fn first<C>(conn: &mut C, source: EmbeddedMigrations, count: usize) -> anyhow::Result<()>
    where
        C: MigrationHarness<C::Backend> + Connection,
    {
        use diesel::migration::MigrationSource;
        // Creates the table of applied migrations, which `run_migration` expects.
        conn.applied_migrations()
            .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))?;
        let mut all = MigrationSource::<C::Backend>::migrations(&source)
            .map_err(|e| anyhow::anyhow!("cannot read the migrations: {e}"))?;
        all.sort_by_key(|m| m.name().version().to_string());
        for m in all.iter().take(count) {
            conn.run_migration(m.as_ref())
                .map_err(|e| anyhow::anyhow!("migration {} failed: {e}", m.name()))?;
        }
        Ok(())
    }
    match conn {
        DbConnection::Sqlite(c) => first(c, SQLITE_MIGRATIONS, count),
        DbConnection::Pg(c) => first(c, POSTGRES_MIGRATIONS, count),
    }
}

/// How many migrations this release has.
pub fn migration_count() -> usize {
    diesel::migration::MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
        .map_or(0, |m| m.len())
}

fn run_migrations<C>(conn: &mut C, migrations: EmbeddedMigrations) -> anyhow::Result<usize>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let done = conn
        .run_pending_migrations(migrations)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(done.len())
}

/// A write transaction. On SQLite it starts with `BEGIN IMMEDIATE` so that the write lock is
/// taken up front: a deferred transaction that reads and then writes can fail with "database
/// is locked" instead of waiting its turn.
pub fn write_tx<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Pg(_) => conn.transaction(f),
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => {
                    <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
                    Ok(value)
                }
                Err(e) => {
                    // The caller's error is the one worth reporting; a failed rollback leaves
                    // the connection marked broken and the pool discards it.
                    let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(
                        conn,
                    );
                    Err(e)
                }
            }
        }
    }
}

/// True when the whole database has one write lock (SQLite), whose commits also checkpoint
/// its write-ahead log: a long writer must then leave gaps for the others and keep the
/// checkpoints out of its own commits (`jobs::registrations`). PostgreSQL locks rows.
pub fn single_writer(conn: &DbConnection) -> bool {
    matches!(conn, DbConnection::Sqlite(_))
}

/// How long a SQLite write waits for the write lock before it fails.
const BUSY_TIMEOUT_MS: u64 = 10_000;

/// A write that may be skipped, such as noting that a session was seen: on SQLite it waits
/// at most `wait` for the write lock and returns `Ok(false)` if another writer (a sweep
/// batch) still holds it. SQLite's busy handler polls with growing sleeps (up to 100 ms), so
/// behind a writer that lets go for only a few milliseconds between batches, a waiting page
/// was seen to stall for 1–6 s. PostgreSQL has no such lock: the write just runs.
pub fn write_if_free(
    conn: &mut DbConnection,
    wait: std::time::Duration,
    f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<()>,
) -> diesel::QueryResult<bool> {
    let DbConnection::Sqlite(c) = conn else {
        return f(conn).map(|()| true);
    };
    c.batch_execute(&format!("PRAGMA busy_timeout = {}", wait.as_millis()))?;
    let result = f(conn);
    let DbConnection::Sqlite(c) = conn else {
        unreachable!("the backend does not change")
    };
    c.batch_execute(&format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))?;
    match result {
        Ok(()) => Ok(true),
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("database is locked") =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// SQLite checkpoints the WAL in the commit that fills it past 1,000 pages, so the
/// committing transaction waits for the checkpoint's copying and fsyncs. A long sweep turns
/// that off on its own connection (`on = false`) and has [`checkpoint`] run beside it
/// instead. PostgreSQL has nothing to do.
pub fn auto_checkpoint(conn: &mut DbConnection, on: bool) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Pg(_) => Ok(()),
        DbConnection::Sqlite(c) => c.batch_execute(if on {
            "PRAGMA wal_autocheckpoint = 1000"
        } else {
            "PRAGMA wal_autocheckpoint = 0"
        }),
    }
}

/// SQLite's page cache for a bulk write on this connection: `Some(mib)` for the job, `None`
/// back to SQLite's default (2 MiB) before the connection returns to the pool. A bulk import
/// inserts matching keys all over their index; with the default cache each batch reads and
/// spills the same pages again and again. PostgreSQL has nothing to do.
pub fn bulk_cache(conn: &mut DbConnection, mib: Option<u32>) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Pg(_) => Ok(()),
        DbConnection::Sqlite(c) => c.batch_execute(&format!(
            "PRAGMA cache_size = -{}",
            mib.map_or(2_000, |m| u64::from(m) * 1024)
        )),
    }
}

/// Copies what it can of the WAL into the database without waiting for, or blocking,
/// readers and writers (SQLite's passive checkpoint). Run outside a transaction.
pub fn checkpoint(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Pg(_) => Ok(()),
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)"),
    }
}

/// Runs blocking database work off the actix worker threads.
pub async fn run<T, F>(pool: &Pool, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(AppError::internal)?;
        f(&mut conn)
    })
    .await
    .map_err(AppError::internal)?
}

/// Serialises writers that touch the same prospect or organisation until the transaction
/// ends. SQLite needs nothing: its write transactions already run one at a time. On
/// PostgreSQL this is a transaction-scoped advisory lock per key, taken in a fixed order so
/// that two transactions never wait on each other in a cycle.
/// Returns true when locks were taken (and rows read before may have changed meanwhile).
pub fn lock_keys(conn: &mut DbConnection, keys: &[String]) -> diesel::QueryResult<bool> {
    use sha2::{Digest, Sha256};
    let DbConnection::Pg(pg) = conn else {
        return Ok(false);
    };
    let mut ids: Vec<i64> = keys
        .iter()
        .map(|k| {
            let digest = Sha256::digest(k.as_bytes());
            i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(true);
    }
    // One round trip: the subquery hands the keys to the lock function in ascending order.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    pg.batch_execute(&format!(
        "SELECT count(pg_advisory_xact_lock(k)) FROM \
         (SELECT k FROM unnest(ARRAY[{list}]::bigint[]) AS k ORDER BY k) AS sorted"
    ))?;
    Ok(true)
}

/// Refreshes PostgreSQL's planner statistics of `tables` (every table when empty) after a
/// bulk write. Without them the planner guesses, and at a million rows it guessed wrong: the
/// lock check's read of direct opportunities scanned the table (365 ms) instead of using its
/// index, on a server whose autovacuum was off or had not come round yet. SQLite's plans are
/// chosen without statistics here (docs/performance.md checks each one), so it is left as
/// it is.
pub fn refresh_statistics(conn: &mut DbConnection, tables: &[&str]) -> diesel::QueryResult<()> {
    if let DbConnection::Pg(_) = conn {
        let sql = format!("ANALYZE {}", tables.join(", "));
        diesel::RunQueryDsl::execute(diesel::sql_query(sql), conn)?;
    }
    Ok(())
}

/// After a bulk load into an empty database (the demo), outside any transaction: on
/// PostgreSQL, `VACUUM (ANALYZE)` every table, so the planner has statistics and index-only
/// scans need not visit the heap. At a million registrations, with autovacuum off or not
/// round yet, the dashboard's "protection ending in 30 days" read 12,993 heap blocks (30 ms)
/// and its whole page took 195 ms instead of 56 ms. SQLite has no visibility map.
pub fn settle_after_bulk_load(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    if let DbConnection::Pg(_) = conn {
        diesel::RunQueryDsl::execute(diesel::sql_query("VACUUM (ANALYZE)"), conn)?;
    }
    Ok(())
}

/// True when the error is a unique-constraint violation (same on both backends).
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use super::DatabaseUrl;

    #[test]
    fn database_urls_pick_their_backend() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db"),
            Ok(DatabaseUrl::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/truce.db"),
            Ok(DatabaseUrl::Sqlite("data/truce.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("data/x.db"),
            Ok(DatabaseUrl::Sqlite("data/x.db".into()))
        );
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("  ").is_err());
    }

    #[test]
    fn a_skippable_write_gives_way_to_a_long_one_and_runs_once_it_ends() {
        use diesel::connection::SimpleConnection;
        use std::time::{Duration, Instant};

        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db").display().to_string());
        let mut sweep = super::open(&url).unwrap();
        let mut page = super::open(&url).unwrap();
        let exec = |conn: &mut super::DbConnection, sql: &str| match conn {
            super::DbConnection::Sqlite(c) => c.batch_execute(sql),
            super::DbConnection::Pg(_) => unreachable!(),
        };
        exec(&mut sweep, "CREATE TABLE t (n INTEGER)").unwrap();
        exec(&mut sweep, "BEGIN IMMEDIATE; INSERT INTO t VALUES (1)").unwrap();

        let started = Instant::now();
        let wrote = super::write_if_free(&mut page, Duration::from_millis(50), |c| {
            exec(c, "INSERT INTO t VALUES (2)")
        });
        assert_eq!(wrote, Ok(false));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );

        exec(&mut sweep, "COMMIT").unwrap();
        let wrote = super::write_if_free(&mut page, Duration::from_millis(50), |c| {
            exec(c, "INSERT INTO t VALUES (3)")
        });
        assert_eq!(wrote, Ok(true));

        // The connection waits as long as ever for its other writes.
        exec(&mut sweep, "BEGIN IMMEDIATE").unwrap();
        let handle = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            exec(&mut sweep, "COMMIT").unwrap();
        });
        exec(&mut page, "INSERT INTO t VALUES (4)").expect("waits for the lock");
        handle.join().unwrap();
    }

    /// `.cargo/config.toml` builds SQLite with its query planner stability guarantee. Without
    /// it every statement with a bound `LIMIT` (each `.first()`) is parsed and planned again
    /// at each execution, and a page costs a quarter more CPU (docs/performance.md). It also
    /// builds it in multi-thread mode, without a mutex around each call on a connection.
    #[test]
    fn sqlite_is_built_to_reuse_its_prepared_statements() {
        use diesel::{QueryableByName, RunQueryDsl, sql_types::Text};
        #[derive(QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = Text)]
            compile_options: String,
        }
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("t.db").display().to_string());
        let mut conn = super::open(&url).unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(
            options.iter().any(|o| o == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG (LIBSQLITE3_FLAGS in .cargo/config.toml): {options:?}"
        );
        assert!(
            options.iter().any(|o| o == "THREADSAFE=2"),
            "SQLite was built in serialized mode, not multi-thread (LIBSQLITE3_FLAGS in .cargo/config.toml): {options:?}"
        );
    }
}
