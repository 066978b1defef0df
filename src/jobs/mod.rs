//! The job runner: one scheduler inside `truce serve` (or `truce jobs run-once`) that runs
//! every periodic job in turn. Each job is idempotent and claims its work with conditional
//! updates, so several instances can run it side by side.

pub mod delivery;
pub mod registrations;
pub mod transport;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;

use crate::clock::SharedClock;
use crate::db::Pool;
use crate::db::models::session;
use transport::Mailer;

#[derive(Clone)]
pub struct Jobs {
    pub pool: Pool,
    pub clock: SharedClock,
    pub mailer: Arc<Mailer>,
    pub from: Mailbox,
    pub session_idle: chrono::TimeDelta,
    pub session_max: chrono::TimeDelta,
    pub config: Arc<crate::config::Config>,
}

/// What one pass did, for logs and `truce jobs run-once`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub emails: delivery::Outcome,
    pub sessions_removed: usize,
    pub registrations: registrations::Outcome,
    /// Registrations in review matched again after the CRM accounts changed.
    pub matched_again: usize,
    /// Disputes past their SLA escalated to the channel managers.
    pub disputes_escalated: usize,
    /// Flags the channel managers were emailed about (shared prospects found at start-up).
    pub flags_notified: usize,
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
        })
    }

    /// One pass of every job (blocking: call it off the async workers).
    pub fn run_once(&self) -> anyhow::Result<Report> {
        let mut conn = self.pool.get()?;
        // Sweeps first, so that the emails they queue go out in the same pass.
        let registrations =
            registrations::sweep(&mut conn, &self.config, self.clock.naive_now(), &mut |_| {})?;
        let disputes_escalated = crate::workflow::dispute::escalate_overdue(
            &mut conn,
            &self.config,
            self.clock.naive_now(),
        )?;
        let flags_notified = crate::workflow::flags::notify_unnotified(
            &mut conn,
            &self.config,
            self.clock.naive_now(),
        )?;
        let emails = delivery::deliver_due(&mut conn, &self.mailer, &self.from, &*self.clock)?;
        let now = self.clock.naive_now();
        let thresholds = crate::db::models::policy::current(&mut conn)?
            .policy
            .thresholds();
        let matched_again =
            crate::workflow::evidence::refresh_stale(&mut conn, &thresholds, now, &mut |_| {})?;
        let sessions_removed =
            session::delete_expired(&mut conn, now - self.session_idle, now - self.session_max)?;
        Ok(Report {
            emails,
            sessions_removed,
            registrations,
            matched_again,
            disputes_escalated,
            flags_notified,
        })
    }

    /// Runs the jobs every `interval` on the actix runtime until the process stops.
    pub fn spawn(self, interval: Duration) {
        actix_web::rt::spawn(async move {
            let mut ticker = actix_web::rt::time::interval(interval);
            loop {
                ticker.tick().await;
                let jobs = self.clone();
                match actix_web::web::block(move || jobs.run_once()).await {
                    Ok(Ok(report)) if report != Report::default() => {
                        tracing::info!(?report, "jobs ran");
                    }
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        tracing::error!(error = ?e, "a job pass failed; retrying next tick")
                    }
                    Err(e) => tracing::error!(error = ?e, "the job runner could not run"),
                }
            }
        });
    }
}
