//! A CRM import started from the admin page runs in the background: the request records a
//! run (`models::import_run`), starts a worker thread and redirects to the run's page. The
//! worker imports the file on its own pool connection, off the actix threads, and writes the
//! run's progress after every batch, then the report (or what went wrong) at the end. The
//! page reads the row, so it shows the same thing after a reload, on any instance.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use tempfile::TempPath;

use crate::clock::SharedClock;
use crate::db::models::import_run::{self, NewRun};
use crate::db::{DbConnection, Pool};
use crate::domain::crm_import::FileError;
use crate::domain::money::group_count;
use crate::workflow::crm_import::{self, ImportError, Report};
use crate::workflow::crm_uploads;

/// Row errors a stored report keeps: what the run's page lists. The rest are counted.
pub const STORED_ERRORS: usize = 200;

/// One import or dry run for the worker.
pub struct Job {
    pub started_by: String,
    pub file_name: String,
    /// The file. Removed when the run ends, unless a dry run keeps it for its button.
    pub file: TempPath,
    pub dry_run: bool,
    /// Where a dry run keeps its file (`crm_uploads::dir`).
    pub uploads: PathBuf,
}

/// Records a new run and starts its worker; returns the run's id. Blocking: call it through
/// `db::run`.
pub fn start(
    conn: &mut DbConnection,
    pool: &Pool,
    clock: &SharedClock,
    job: Job,
) -> anyhow::Result<String> {
    let id = crate::ids::new_id();
    import_run::insert(
        conn,
        &NewRun {
            id: &id,
            started_by: &job.started_by,
            file_name: &job.file_name,
            dry_run: job.dry_run,
        },
        clock.naive_now(),
    )?;
    let (worker_pool, worker_clock, run_id) = (pool.clone(), clock.clone(), id.clone());
    let spawned = std::thread::Builder::new()
        .name("crm-import".into())
        .spawn(move || work(&worker_pool, &worker_clock, &run_id, job));
    if let Err(e) = spawned {
        import_run::fail(
            conn,
            &id,
            "The server could not start the import; nothing was saved. Upload the file again \
             in a moment.",
            clock.naive_now(),
        )?;
        return Err(e.into());
    }
    Ok(id)
}

/// Why a run did not finish.
enum Failure {
    /// No connection for the worker.
    Pool(r2d2::Error),
    Import(ImportError),
    /// A bug: the import panicked.
    Panic,
}

/// The worker: runs the import and records how it ended. Nothing escapes: every outcome,
/// a panic included, is written to the run's row.
fn work(pool: &Pool, clock: &SharedClock, run_id: &str, job: Job) {
    let span = tracing::info_span!("crm_import_run", run = %run_id, dry_run = job.dry_run);
    let _entered = span.enter();
    let started = std::time::Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| import(pool, clock, run_id, &job)))
        .unwrap_or(Err(Failure::Panic));
    let now = clock.naive_now();
    let recorded = match outcome {
        Ok(mut report) => {
            report.keep_errors(STORED_ERRORS);
            tracing::info!(
                rows = report.rows,
                created = report.created,
                updated = report.updated,
                invalid = report.invalid_rows,
                seconds = started.elapsed().as_secs_f64(),
                "CRM import finished"
            );
            let upload_id = keep_for_button(job, &report);
            let json = serde_json::to_string(&report).expect("a report serialises");
            pool.get().map_err(anyhow::Error::from).and_then(|mut c| {
                import_run::finish(
                    &mut c,
                    run_id,
                    report.rows,
                    &json,
                    upload_id.as_deref(),
                    now,
                )
                .map_err(anyhow::Error::from)
            })
        }
        Err(failure) => {
            let message = describe(&failure, job.dry_run);
            pool.get().map_err(anyhow::Error::from).and_then(|mut c| {
                import_run::fail(&mut c, run_id, &message, now).map_err(anyhow::Error::from)
            })
        }
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!("the import's run was no longer running; outcome not recorded"),
        // The row stays running and is reported interrupted once silent long enough.
        Err(e) => tracing::error!(error = ?e, "could not record how the CRM import ended"),
    }
}

fn import(pool: &Pool, clock: &SharedClock, run_id: &str, job: &Job) -> Result<Report, Failure> {
    let mut conn = pool.get().map_err(Failure::Pool)?;
    let now = clock.naive_now();
    crm_import::import_file(
        &mut conn,
        &job.file,
        job.dry_run,
        now,
        |conn, done, total| {
            // Progress is for the page: an import does not stop because it could not be shown.
            if let Err(e) =
                import_run::record_progress(conn, run_id, done, total, clock.naive_now())
            {
                tracing::warn!(error = ?e, done, total, "could not record the import's progress");
            }
        },
    )
    .map_err(Failure::Import)
}

/// After a dry run with rows to import, keeps the file for the "Import" button; returns its
/// upload id. Otherwise the file is removed here.
fn keep_for_button(job: Job, report: &Report) -> Option<String> {
    if !job.dry_run || report.valid_rows() == 0 {
        return None;
    }
    match crm_uploads::keep(job.file, &job.uploads) {
        Ok(id) => Some(id),
        Err(e) => {
            tracing::error!(error = ?e, "could not keep the dry run's upload for its button");
            None
        }
    }
}

/// What the admin is told, and what to do next. Causes that are not the file's go to the
/// log, not to the page.
fn describe(failure: &Failure, dry_run: bool) -> String {
    let retry = "If it keeps failing, the server log has the cause.";
    match failure {
        Failure::Import(ImportError::File(e @ FileError::Read(_))) => {
            tracing::warn!(error = %e, "the uploaded file could not be read");
            format!("{e} Upload the file again.")
        }
        Failure::Import(ImportError::File(e)) => {
            format!("{e} Fix the file and upload it again.")
        }
        Failure::Import(ImportError::Database { error, saved }) => {
            tracing::error!(error = ?error, saved, "CRM import failed");
            if dry_run {
                format!(
                    "The database could not be read during the dry run; nothing was saved. Upload the file again. {retry}"
                )
            } else {
                format!(
                    "The database refused part of the import. The first {} rows were saved; \
                     importing the file again is safe and finishes the job. {retry}",
                    group_count(*saved)
                )
            }
        }
        Failure::Pool(e) => {
            tracing::error!(error = ?e, "no database connection for the CRM import");
            format!(
                "The database was too busy to start the import; nothing was saved. Upload the file again in a moment. {retry}"
            )
        }
        Failure::Panic => {
            tracing::error!("the CRM import panicked");
            if dry_run {
                format!(
                    "The dry run stopped because of an error in the portal; nothing was saved. {retry}"
                )
            } else {
                format!(
                    "The import stopped because of an error in the portal. Whole batches of {} \
                     rows may have been saved; importing the file again is safe and finishes the \
                     job. {retry}",
                    group_count(crm_import::BATCH_ROWS as u64)
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::clock::SystemClock;
    use crate::db::models::import_run::{ImportRun, State};
    use crate::db::models::user;
    use crate::domain::user::validate_user;

    struct Setup {
        dir: tempfile::TempDir,
        pool: Pool,
        clock: SharedClock,
        admin: String,
    }

    fn setup() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let url =
            crate::db::DatabaseUrl::Sqlite(dir.path().join("t.db").to_string_lossy().into_owned());
        let pool = crate::db::connect(&url, 2).unwrap();
        let mut conn = pool.get().unwrap();
        crate::db::migrate(&mut conn).unwrap();
        let clock: SharedClock = Arc::new(SystemClock);
        let fields = validate_user("ada@vendor.example", "Ada", "admin", "", false).unwrap();
        let admin = user::insert(&mut conn, &fields, None, clock.naive_now())
            .map_err(|e| format!("{e:?}"))
            .unwrap()
            .id;
        Setup {
            dir,
            pool,
            clock,
            admin,
        }
    }

    impl Setup {
        fn job(&self, file: TempPath, dry_run: bool) -> Job {
            Job {
                started_by: self.admin.clone(),
                file_name: "accounts.csv".into(),
                file,
                dry_run,
                uploads: crm_uploads::dir(self.dir.path()),
            }
        }

        fn file(&self, content: &str) -> TempPath {
            std::fs::create_dir_all(crm_uploads::dir(self.dir.path())).unwrap();
            let path = crm_uploads::dir(self.dir.path()).join("upload.part");
            std::fs::write(&path, content).unwrap();
            TempPath::try_from_path(path).unwrap()
        }

        /// Starts the job and waits for its run to end.
        fn run(&self, job: Job) -> ImportRun {
            let mut conn = self.pool.get().unwrap();
            let id = start(&mut conn, &self.pool, &self.clock, job).unwrap();
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let (run, _) = import_run::find(&mut conn, &id, self.clock.naive_now())
                    .unwrap()
                    .unwrap();
                if run.state() != State::Running {
                    return run;
                }
                assert!(Instant::now() < deadline, "the run ends");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    #[test]
    fn a_dry_run_stores_its_report_and_keeps_the_file_for_its_button() {
        let s = setup();
        let file = s.file("external_id,name,country\nA1,Acme,DE\nA2,Globex,Nowhere\n");
        let run = s.run(s.job(file, true));
        assert_eq!(run.state(), State::Done);
        assert_eq!((run.rows_done, run.rows_total), (2, 2));
        let report: Report = serde_json::from_str(run.report.as_deref().unwrap()).unwrap();
        assert!(report.dry_run);
        assert_eq!((report.created, report.invalid_rows), (1, 1));
        assert_eq!(report.errors[0].line, 3);
        let upload = run.upload_id.expect("kept for the button");
        assert!(crm_uploads::is_waiting(
            &crm_uploads::dir(s.dir.path()),
            &upload
        ));
    }

    #[test]
    fn an_import_removes_its_file_and_a_failure_is_recorded_with_what_to_do() {
        let s = setup();
        let file = s.file("external_id,name\nA1,Acme\n");
        let path = file.to_path_buf();
        let run = s.run(s.job(file, false));
        assert_eq!(run.state(), State::Done);
        assert!(run.upload_id.is_none());
        assert!(!path.exists(), "an imported file is removed");

        let gone = TempPath::try_from_path(s.dir.path().join("missing.csv")).unwrap();
        let run = s.run(s.job(gone, false));
        assert_eq!(run.state(), State::Failed);
        let error = run.error.unwrap();
        assert!(error.starts_with("The file could not be read"), "{error}");
        assert!(error.ends_with("Upload the file again."), "{error}");
    }
}
