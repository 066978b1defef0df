//! Importing CRM accounts from a CSV file: rows are matched to stored accounts by external
//! id; new ones are inserted, changed ones updated, unchanged ones left alone, and rows with
//! errors skipped and reported while the rest imports.
//!
//! The file is applied in batches of [`BATCH_ROWS`] rows, each one write transaction: a
//! crash or a database error leaves whole batches, and importing the same file again
//! finishes the job (every row already stored is then unchanged). A dry run computes the same
//! report without writing anything.

use std::io::Read;
use std::path::Path;

use chrono::NaiveDateTime;

use crate::db::models::crm::{self, Account};
use crate::db::{self, DbConnection};
use crate::domain::crm_import::{AccountRow, Columns, Field, FileError, Reader, Row, RowError};

/// Rows per transaction: 2,000 rows of 14 values stay under SQLite's 32,766 bound values in
/// one insert, and a batch holds the write lock for a fraction of a second.
pub const BATCH_ROWS: usize = 2_000;
/// SQLite page cache while importing (see `db::bulk_cache`): room for the matching keys of
/// a few hundred thousand accounts.
const BULK_CACHE_MIB: u32 = 256;
/// Row errors kept for the report; past that they are only counted.
pub const KEPT_ERRORS: usize = 1_000;
/// Updated accounts whose changes the report lists.
pub const KEPT_CHANGES: usize = 20;

/// One value an import changes on an account, as shown to a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldChange {
    pub field: Field,
    pub before: String,
    pub after: String,
}

/// An updated account and what changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub line: u64,
    pub external_id: String,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

/// What an import did, or what a dry run would do. A web import stores it as JSON with its
/// run (`models::import_run`), so the run's page can show it later.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Report {
    pub dry_run: bool,
    /// Data rows in the file (blank lines not counted).
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows skipped because of errors.
    pub invalid_rows: u64,
    /// The first [`KEPT_ERRORS`] errors, in file order.
    pub errors: Vec<RowError>,
    /// Errors past those kept.
    pub more_errors: u64,
    /// The first [`KEPT_CHANGES`] updates.
    pub changes: Vec<Change>,
    /// `(field, the file's header)` of the columns read.
    pub columns: Vec<(Field, String)>,
    /// Headers that were not read.
    pub ignored: Vec<String>,
}

impl Report {
    pub fn valid_rows(&self) -> u64 {
        self.created + self.updated + self.unchanged
    }

    pub fn error_count(&self) -> u64 {
        self.errors.len() as u64 + self.more_errors
    }

    /// Keeps the first `n` row errors and counts the rest, so a stored report holds what a
    /// page lists and no more.
    pub fn keep_errors(&mut self, n: usize) {
        if self.errors.len() > n {
            self.more_errors += (self.errors.len() - n) as u64;
            self.errors.truncate(n);
        }
    }

    fn add_errors(&mut self, errors: Vec<RowError>) {
        self.invalid_rows += 1;
        for e in errors {
            if self.errors.len() < KEPT_ERRORS {
                self.errors.push(e);
            } else {
                self.more_errors += 1;
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be imported at all (unreadable, empty, header without the required
    /// columns). Nothing was written.
    #[error("{0}")]
    File(#[from] FileError),
    /// A batch failed; the batches before it were saved.
    #[error(
        "the database refused a batch of rows ({error}). The {saved} rows before it were saved; \
         importing the file again is safe and finishes the job"
    )]
    Database {
        error: diesel::result::Error,
        saved: u64,
    },
}

/// Reads the file's header only: whether the file can be imported at all (it is text, has a
/// header line, and the header names the required columns). Quick, so an upload can be
/// refused before any work starts.
pub fn check_header(path: &Path) -> Result<(), FileError> {
    Reader::new(std::fs::File::open(path).map_err(FileError::Read)?).map(|_| ())
}

/// Imports (or, with `dry_run`, checks) the CSV file at `path`, reporting `(rows done, rows
/// in the file)` after each batch. The file is read twice: once to count its rows.
///
/// `progress` is handed the import's connection between batches (outside any transaction),
/// so a web import records its progress without a second connection.
pub fn import_file(
    conn: &mut DbConnection,
    path: &Path,
    dry_run: bool,
    now: NaiveDateTime,
    progress: impl FnMut(&mut DbConnection, u64, u64),
) -> Result<Report, ImportError> {
    let open = || std::fs::File::open(path).map_err(FileError::Read);
    let total = crate::domain::crm_import::count_rows(open()?)?;
    import(conn, open()?, total, dry_run, now, progress)
}

/// Imports from any reader; `total` is the number of rows expected, for progress only.
pub fn import<R: Read>(
    conn: &mut DbConnection,
    input: R,
    total: u64,
    dry_run: bool,
    now: NaiveDateTime,
    mut progress: impl FnMut(&mut DbConnection, u64, u64),
) -> Result<Report, ImportError> {
    let mut reader = Reader::new(input)?;
    db::bulk_cache(conn, Some(BULK_CACHE_MIB))
        .map_err(|error| ImportError::Database { error, saved: 0 })?;
    let result = import_rows(conn, &mut reader, total, dry_run, now, &mut progress);
    let restored = db::bulk_cache(conn, None);
    let report = result?;
    restored.map_err(|error| ImportError::Database {
        error,
        saved: report.valid_rows(),
    })?;
    Ok(report)
}

fn import_rows<R: Read>(
    conn: &mut DbConnection,
    reader: &mut Reader<R>,
    total: u64,
    dry_run: bool,
    now: NaiveDateTime,
    progress: &mut impl FnMut(&mut DbConnection, u64, u64),
) -> Result<Report, ImportError> {
    let columns = reader.columns().clone();
    let mut report = Report {
        dry_run,
        columns: columns.used(),
        ignored: columns.ignored(),
        ..Report::default()
    };
    progress(conn, 0, total);
    let mut batch: Vec<AccountRow> = Vec::with_capacity(BATCH_ROWS);
    loop {
        let next = reader.next_row()?;
        let end = next.is_none();
        match next {
            Some(Row::Valid(row)) => batch.push(row),
            Some(Row::Invalid(errors)) => report.add_errors(errors),
            None => {}
        }
        report.rows = report.valid_rows() + batch.len() as u64 + report.invalid_rows;
        if batch.len() >= BATCH_ROWS || (end && !batch.is_empty()) {
            let saved = report.valid_rows();
            apply_batch(conn, &batch, &columns, dry_run, now, &mut report)
                .map_err(|error| ImportError::Database { error, saved })?;
            batch.clear();
            if !end {
                progress(conn, report.rows, total.max(report.rows));
            }
        }
        if end {
            break;
        }
    }
    progress(conn, report.rows, total.max(report.rows));
    Ok(report)
}

/// What an import does with one row, given the stored account with its external id.
pub(crate) enum Plan<'a> {
    Create,
    Update(&'a Account, Box<AccountRow>, Vec<FieldChange>),
    Unchanged,
}

pub(crate) fn plan<'a>(
    row: &AccountRow,
    existing: Option<&'a Account>,
    columns: &Columns,
) -> Plan<'a> {
    let Some(before) = existing else {
        return Plan::Create;
    };
    // Columns the file does not have leave the stored values as they are.
    let mut after = row.clone();
    if !columns.has(Field::Website) {
        after.website = before.website.clone();
        after.domain_key = before.domain_key.clone();
    }
    if !columns.has(Field::Country) {
        after.country = before.country.clone();
    }
    if !columns.has(Field::Industry) {
        after.industry = before.industry.clone();
    }
    if !columns.has(Field::OwnerEmail) {
        after.owner_email = before.owner_email.clone();
    }
    if !columns.has(Field::NamedAccount) {
        after.named_account = before.named_account;
    }
    if !columns.has(Field::ReservedForDirect) {
        after.reserved_for_direct = before.reserved_for_direct;
    }
    let mut changes = Vec::new();
    let mut text = |field: Field, old: &Option<String>, new: &Option<String>| {
        if old != new {
            changes.push(FieldChange {
                field,
                before: shown(old.as_deref()),
                after: shown(new.as_deref()),
            });
        }
    };
    text(
        Field::Name,
        &Some(before.name.clone()),
        &Some(after.name.clone()),
    );
    text(Field::Website, &before.website, &after.website);
    text(Field::Country, &before.country, &after.country);
    text(Field::Industry, &before.industry, &after.industry);
    text(Field::OwnerEmail, &before.owner_email, &after.owner_email);
    let mut flag = |field: Field, old: bool, new: bool| {
        if old != new {
            changes.push(FieldChange {
                field,
                before: yes_no(old).into(),
                after: yes_no(new).into(),
            });
        }
    };
    flag(
        Field::NamedAccount,
        before.named_account,
        after.named_account,
    );
    flag(
        Field::ReservedForDirect,
        before.reserved_for_direct,
        after.reserved_for_direct,
    );
    // A stored domain key that the website no longer gives (an account stored before
    // websites were imported) is brought in line without counting as a visible change.
    if changes.is_empty() && before.domain_key == after.domain_key {
        Plan::Unchanged
    } else {
        Plan::Update(before, Box::new(after), changes)
    }
}

impl Change {
    /// "name: Acme → Acme Corp; named account: no → yes".
    pub fn describe(&self) -> String {
        self.fields
            .iter()
            .map(|f| format!("{}: {} → {}", f.field.label(), f.before, f.after))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn shown(value: Option<&str>) -> String {
    value.unwrap_or("(empty)").to_owned()
}

fn yes_no(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}

fn apply_batch(
    conn: &mut DbConnection,
    batch: &[AccountRow],
    columns: &Columns,
    dry_run: bool,
    now: NaiveDateTime,
    report: &mut Report,
) -> diesel::QueryResult<()> {
    let work = |conn: &mut DbConnection, report: &mut Report| -> diesel::QueryResult<()> {
        let ids: Vec<&str> = batch.iter().map(|r| r.external_id.as_str()).collect();
        let stored = crm::by_external_ids(conn, &ids)?;
        let by_id: std::collections::HashMap<&str, &Account> = stored
            .iter()
            .filter_map(|a| a.external_id.as_deref().map(|id| (id, a)))
            .collect();
        let mut new_rows: Vec<&AccountRow> = Vec::new();
        let listeners = super::webhooks::Listeners::load(conn)?;
        for row in batch {
            match plan(row, by_id.get(row.external_id.as_str()).copied(), columns) {
                Plan::Create => new_rows.push(row),
                Plan::Unchanged => report.unchanged += 1,
                Plan::Update(before, after, fields) => {
                    report.updated += 1;
                    if !dry_run {
                        crm::update_imported(conn, before, &after, now)?;
                        listeners.account(conn, Some(before), &before.id, &after, now)?;
                    }
                    if report.changes.len() < KEPT_CHANGES && !fields.is_empty() {
                        report.changes.push(Change {
                            line: row.line,
                            external_id: row.external_id.clone(),
                            name: after.name.clone(),
                            fields,
                        });
                    }
                }
            }
        }
        report.created += new_rows.len() as u64;
        if !dry_run && !new_rows.is_empty() {
            let ids = crm::insert_imported(conn, &new_rows, now)?;
            for (id, row) in ids.iter().zip(&new_rows) {
                listeners.account(conn, None, id, row, now)?;
            }
        }
        Ok(())
    };
    if dry_run {
        return work(conn, report);
    }
    // Counts are only kept for a batch that commits.
    let mut counted = Report::default();
    db::write_tx(conn, |conn| {
        // Two imports on one PostgreSQL database take turns per batch, so neither inserts an
        // external id the other has just inserted (SQLite's write lock already does this).
        db::lock_keys(conn, &["crm-import".to_owned()])?;
        work(conn, &mut counted)
    })?;
    report.created += counted.created;
    report.updated += counted.updated;
    report.unchanged += counted.unchanged;
    let room = KEPT_CHANGES.saturating_sub(report.changes.len());
    report
        .changes
        .extend(counted.changes.into_iter().take(room));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::models::prospect_key;

    fn conn() -> (tempfile::TempDir, DbConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = db::DatabaseUrl::Sqlite(dir.path().join("t.db").to_string_lossy().into_owned());
        let mut conn = db::open(&url).unwrap();
        db::migrate(&mut conn).unwrap();
        (dir, conn)
    }

    fn run(conn: &mut DbConnection, csv: &str, dry_run: bool) -> Report {
        let now = chrono::Utc::now().naive_utc();
        import(conn, csv.as_bytes(), 0, dry_run, now, |_, _, _| {}).unwrap()
    }

    fn keys_of(conn: &mut DbConnection, external_id: &str) -> Vec<String> {
        use crate::db::schema::prospect_keys;
        use diesel::prelude::*;
        let a = &crm::by_external_ids(conn, &[external_id]).unwrap()[0];
        let mut keys: Vec<String> = prospect_keys::table
            .filter(prospect_keys::record_id.eq(&a.id))
            .select(prospect_keys::key)
            .load(conn)
            .unwrap();
        keys.sort();
        keys
    }

    fn expected_keys(name: &str, website: Option<&str>) -> Vec<String> {
        let mut keys = crate::domain::matching::profile_keys(&prospect_key::account_profile(
            name, website, None,
        ));
        keys.sort();
        keys
    }

    #[test]
    fn creates_updates_and_leaves_unchanged_rows_alone_keeping_keys_in_step() {
        let (_dir, mut conn) = conn();
        let file = "Account ID,Account Name,Website,Named Account\n\
                    A1,Acme GmbH,acme.de,no\n\
                    A2,Globex,,yes\n";
        let r = run(&mut conn, file, false);
        assert_eq!((r.rows, r.created, r.updated, r.unchanged), (2, 2, 0, 0));
        assert_eq!(
            keys_of(&mut conn, "A1"),
            expected_keys("Acme GmbH", Some("acme.de"))
        );

        let again = run(&mut conn, file, false);
        assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));

        let changed = "Account ID,Account Name,Website,Named Account\n\
                       A1,Initech,initech.com,yes\n\
                       A2,Globex,,yes\n";
        let dry = run(&mut conn, changed, true);
        assert_eq!((dry.created, dry.updated, dry.unchanged), (0, 1, 1));
        assert_eq!(
            keys_of(&mut conn, "A1"),
            expected_keys("Acme GmbH", Some("acme.de"))
        );
        let fields: Vec<Field> = dry.changes[0].fields.iter().map(|c| c.field).collect();
        assert_eq!(fields, [Field::Name, Field::Website, Field::NamedAccount]);
        assert_eq!(dry.changes[0].fields[0].before, "Acme GmbH");
        assert_eq!(dry.changes[0].line, 2);

        let r = run(&mut conn, changed, false);
        assert_eq!((r.created, r.updated, r.unchanged), (0, 1, 1));
        let a = &crm::by_external_ids(&mut conn, &["A1"]).unwrap()[0];
        assert_eq!((a.name.as_str(), a.named_account), ("Initech", true));
        assert_eq!(a.domain_key.as_deref(), Some("initech.com"));
        assert_eq!(
            keys_of(&mut conn, "A1"),
            expected_keys("Initech", Some("initech.com"))
        );
        assert_eq!(crm::count(&mut conn).unwrap(), 2);
    }

    #[test]
    fn columns_missing_from_the_file_are_left_as_they_are() {
        let (_dir, mut conn) = conn();
        run(
            &mut conn,
            "external_id,name,country,named_account\nA1,Acme,DE,yes\n",
            false,
        );
        let r = run(&mut conn, "external_id,name\nA1,Acme\n", false);
        assert_eq!(r.unchanged, 1);
        let a = &crm::by_external_ids(&mut conn, &["A1"]).unwrap()[0];
        assert_eq!((a.country.as_deref(), a.named_account), (Some("DE"), true));
        let r = run(&mut conn, "external_id,name,country\nA1,Acme,\n", false);
        assert_eq!(r.updated, 1, "an empty value in a present column clears it");
    }

    #[test]
    fn rows_with_errors_are_skipped_and_the_rest_imports_across_batches() {
        let (_dir, mut conn) = conn();
        let mut file = String::from("external_id,name,country\n");
        for i in 0..(BATCH_ROWS * 2 + 10) {
            let country = if i % 1000 == 7 { "Nowhere" } else { "FR" };
            file.push_str(&format!("X{i},Company {i} SAS,{country}\n"));
        }
        let mut seen = Vec::new();
        let now = chrono::Utc::now().naive_utc();
        let r = import(&mut conn, file.as_bytes(), 4010, false, now, |_, d, t| {
            seen.push((d, t))
        })
        .unwrap();
        assert_eq!(r.rows, 4010);
        assert_eq!(r.invalid_rows, 5);
        assert_eq!(r.created, 4005);
        assert_eq!(r.errors[0].line, 9);
        assert_eq!(crm::count(&mut conn).unwrap(), 4005);
        assert_eq!(seen.first(), Some(&(0, 4010)));
        assert_eq!(seen.last(), Some(&(4010, 4010)));
    }
}
