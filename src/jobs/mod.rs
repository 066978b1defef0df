//! The job runner: one scheduler inside `truce serve` (or `truce jobs run-once`) that runs
//! every periodic job in turn. Each job is idempotent and claims its work with conditional
//! updates, so several instances can run it side by side.

pub mod backups;
pub mod delivery;
pub mod registrations;
pub mod transport;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use lettre::message::Mailbox;

use crate::clock::SharedClock;
use crate::db::Pool;
use crate::db::models::session;
use crate::metrics::Metrics;
use transport::Mailer;

/// The longest one pass spends on webhooks before the jobs after it run; what is left goes
/// out in the next pass.
const WEBHOOK_BUDGET: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Jobs {
    pub pool: Pool,
    pub clock: SharedClock,
    pub mailer: Arc<Mailer>,
    pub from: Mailbox,
    pub session_idle: chrono::TimeDelta,
    pub session_max: chrono::TimeDelta,
    pub config: Arc<crate::config::Config>,
    pub metrics: Arc<Metrics>,
    /// Opens the webhook endpoints' signing secrets.
    pub seal_key: crate::sealed::SealKey,
    /// Set when the server is stopping: the job in progress finishes, the ones after it in
    /// the pass are left for the next start (or another instance).
    stopping: Arc<AtomicBool>,
}

/// What one pass did, for logs and `truce jobs run-once`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub emails: delivery::DeliveryReport,
    pub webhooks: webhooks::WebhookReport,
    pub sessions_removed: usize,
    /// Stored answers to `Idempotency-Key` writes past `domain::api::IDEMPOTENCY_KEPT`.
    pub idempotency_keys_removed: usize,
    /// Webhook delivery attempts past `domain::webhook::LOG_KEPT` (with the delivered events).
    pub webhook_attempts_removed: usize,
    pub registrations: registrations::SweepReport,
    /// Registrations in review matched again after the CRM accounts changed.
    pub matched_again: usize,
    /// Disputes past their SLA escalated to the channel managers.
    pub disputes_escalated: usize,
    /// Flags the channel managers were emailed about (shared prospects found at start-up).
    pub flags_notified: usize,
    /// The daily backup written in this pass (`TRUCE_BACKUPS_KEEP`).
    pub backup: Option<std::path::PathBuf>,
    /// The jobs that failed in this pass (each is logged with its cause); the others ran.
    pub failed: Vec<&'static str>,
}

impl Jobs {
    pub fn new(
        config: &crate::config::Config,
        pool: Pool,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        // A typo in TRUCE_SMTP_URL stops start-up here, not every email later.
        let mailer = Mailer::from_settings(config.smtp_url.as_deref(), &config.data_dir)
            .map_err(anyhow::Error::msg)?;
        Ok(Self {
            pool,
            clock,
            mailer: Arc::new(mailer),
            from: config.mail_from.clone(),
            session_idle: config.session_idle,
            session_max: config.session_max,
            config: Arc::new(config.clone()),
            metrics: Arc::new(Metrics::new()),
            seal_key: config.seal_key()?,
            stopping: Arc::new(AtomicBool::new(false)),
        })
    }

    /// These jobs, counting their runs into `metrics` (the server's).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// One pass of every job (blocking: call it off the async workers). Each job runs on
    /// its own connection and fails on its own: a failure is logged and named in the report
    /// (`failed`), and the jobs after it still run, so a broken sweep never holds up the mail.
    pub fn run_once(&self) -> Report {
        let mut r = Report::default();
        let now = || self.clock.naive_now();
        // Sweeps first, so that the emails they queue go out in the same pass.
        self.run(&mut r.failed, "registration sweep", |conn| {
            r.registrations = registrations::sweep(conn, &self.config, now(), &mut |_| {})?;
            Ok(())
        });
        self.run(&mut r.failed, "dispute SLA escalation", |conn| {
            r.disputes_escalated =
                crate::workflow::dispute::escalate_overdue(conn, &self.config, now())?;
            Ok(())
        });
        self.run(&mut r.failed, "flag notices", |conn| {
            r.flags_notified =
                crate::workflow::flags::notify_unnotified(conn, &self.config, now())?;
            Ok(())
        });
        self.run(&mut r.failed, "mail delivery", |conn| {
            r.emails = delivery::deliver_due(conn, &self.mailer, &self.from, &*self.clock)?;
            Ok(())
        });
        self.run(&mut r.failed, "webhook delivery", |conn| {
            r.webhooks = webhooks::deliver_due(
                conn,
                &self.config,
                &self.seal_key,
                &*self.clock,
                WEBHOOK_BUDGET,
            )?;
            Ok(())
        });
        self.run(&mut r.failed, "conflict evidence refresh", |conn| {
            let thresholds = crate::db::models::policy::current(conn)?.value.thresholds();
            r.matched_again =
                crate::workflow::matching::refresh_stale(conn, &thresholds, now(), &mut |_| {})?;
            Ok(())
        });
        self.run(&mut r.failed, "daily backup", |_| {
            r.backup = backups::daily(&self.config, now())?;
            Ok(())
        });
        self.run(&mut r.failed, "old idempotency keys", |conn| {
            r.idempotency_keys_removed = crate::db::models::idempotency::delete_older_than(
                conn,
                now() - crate::domain::api::IDEMPOTENCY_KEPT,
            )?;
            Ok(())
        });
        self.run(&mut r.failed, "old webhook deliveries", |conn| {
            r.webhook_attempts_removed = crate::db::write_tx(conn, |conn| {
                crate::db::models::webhook::prune(conn, now() - crate::domain::webhook::LOG_KEPT)
            })?;
            Ok(())
        });
        self.run(&mut r.failed, "expired sessions", |conn| {
            let now = now();
            r.sessions_removed =
                session::delete_expired(conn, now - self.session_idle, now - self.session_max)?;
            Ok(())
        });
        r
    }

    /// Runs one job on a connection of its own; a failure is logged and noted in `failed`.
    fn run(
        &self,
        failed: &mut Vec<&'static str>,
        name: &'static str,
        job: impl FnOnce(&mut crate::db::DbConnection) -> anyhow::Result<()>,
    ) {
        if self.stopping.load(Ordering::SeqCst) {
            return;
        }
        let started = Instant::now();
        let result = self
            .pool
            .get()
            .map_err(anyhow::Error::from)
            .and_then(|mut conn| job(&mut conn));
        self.metrics.job(
            name,
            result.is_ok(),
            started.elapsed(),
            chrono::Utc::now().timestamp(),
        );
        if let Err(error) = result {
            tracing::error!(job = name, error = ?error, "job failed; the other jobs go on");
            failed.push(name);
        }
    }

    /// Runs the jobs every `interval` on the actix runtime until [`Runner::stop`].
    pub fn spawn(self, interval: Duration) -> Runner {
        let stopping = self.stopping.clone();
        let handle = actix_web::rt::spawn(async move {
            loop {
                let jobs = self.clone();
                match actix_web::web::block(move || jobs.run_once()).await {
                    Ok(report) if report != Report::default() => {
                        tracing::info!(?report, "jobs ran");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = ?e, "the job runner could not run"),
                }
                // Waits out the interval in short steps, so that a stop is seen at once
                // however long the interval.
                let next = Instant::now() + interval;
                while Instant::now() < next && !self.stopping.load(Ordering::SeqCst) {
                    let step = next.saturating_duration_since(Instant::now());
                    actix_web::rt::time::sleep(step.min(Duration::from_millis(200))).await;
                }
                if self.stopping.load(Ordering::SeqCst) {
                    break;
                }
            }
        });
        Runner { stopping, handle }
    }
}

/// The running scheduler of one server.
pub struct Runner {
    stopping: Arc<AtomicBool>,
    handle: actix_web::rt::task::JoinHandle<()>,
}

impl Runner {
    /// Asks the scheduler to stop and waits, up to `timeout`, for the job in progress to
    /// finish; the jobs after it in the pass are not started. Work a job had claimed is then
    /// either done or held only until its lease ends (an email's claim lasts a few minutes),
    /// when another instance or the next start takes it up: stopping never loses it.
    /// Returns false if the job was still running at the timeout.
    pub async fn stop(self, timeout: Duration) -> bool {
        self.stopping.store(true, Ordering::SeqCst);
        actix_web::rt::time::timeout(timeout, self.handle)
            .await
            .is_ok()
    }
}
