//! Outbox delivery: claim due emails, send each, record the outcome.

use lettre::message::Mailbox;
use rand::Rng;

use crate::clock::Clock;
use crate::db::DbConnection;
use crate::db::models::outbox;
use crate::domain::delivery::retry_delay;
use crate::mail::transport::Mailer;

/// Emails handled per pass; the rest wait for the next tick.
const BATCH: i64 = 50;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

pub fn deliver_due(
    conn: &mut DbConnection,
    mailer: &Mailer,
    from: &Mailbox,
    clock: &dyn Clock,
) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let claimed = crate::db::write_tx(conn, |conn| {
        outbox::claim_due(conn, clock.naive_now(), BATCH)
    })?;
    for row in claimed {
        let span = tracing::info_span!("deliver_email", id = %row.id, kind = %row.kind);
        let _entered = span.enter();
        match mailer.send(from, &row) {
            Ok(()) => {
                outbox::mark_sent(conn, &row.id, clock.naive_now())?;
                outcome.sent += 1;
            }
            Err(failure) if failure.permanent => {
                tracing::warn!(error = %failure.message, "email refused permanently; an admin can retry it");
                outbox::mark_failed(conn, &row.id, &failure.message)?;
                outcome.failed += 1;
            }
            Err(failure) => {
                let delay = retry_delay(row.attempts + 1, rand::rng().random::<f64>());
                let next = clock.naive_now() + delay;
                tracing::warn!(error = %failure.message, attempts = row.attempts + 1, next_attempt = %next, "email not sent; will retry");
                outbox::mark_retry(conn, &row.id, &failure.message, next)?;
                outcome.retrying += 1;
            }
        }
    }
    Ok(outcome)
}
