//! Outbox delivery: claim due emails, send each, record the outcome.

use lettre::message::Mailbox;
use rand::Rng;

use crate::clock::Clock;
use crate::db::DbConnection;
use crate::db::models::outbox;
use crate::domain::delivery::retry_delay;
use crate::jobs::transport::Mailer;

/// Emails handled per pass; the rest wait for the next tick.
const BATCH: i64 = 50;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

pub fn deliver_due(
    conn: &mut DbConnection,
    mailer: &Mailer,
    from: &Mailbox,
    clock: &dyn Clock,
) -> anyhow::Result<DeliveryReport> {
    let mut outcome = DeliveryReport::default();
    for _ in 0..BATCH {
        let claimed =
            crate::db::write_tx(conn, |conn| outbox::claim_next(conn, clock.naive_now()))?;
        let Some((row, lease)) = claimed else {
            break;
        };
        let span = tracing::info_span!("deliver_email", id = %row.id, kind = %row.kind);
        let _entered = span.enter();
        let recorded = match mailer.send(from, &row) {
            Ok(()) => {
                outcome.sent += 1;
                outbox::mark_sent(conn, &row.id, lease, clock.naive_now())?
            }
            Err(failure) if failure.permanent => {
                tracing::warn!(error = %failure.message, "email refused permanently; an admin can retry it");
                outcome.failed += 1;
                outbox::mark_failed(conn, &row.id, lease, &failure.message)?
            }
            Err(failure) => {
                let delay = retry_delay(row.attempts + 1, rand::rng().random::<f64>());
                let next = clock.naive_now() + delay;
                tracing::warn!(error = %failure.message, attempts = row.attempts + 1, next_attempt = %next, "email not sent; will retry");
                outcome.retrying += 1;
                outbox::mark_retry(conn, &row.id, lease, &failure.message, next)?
            }
        };
        if !recorded {
            tracing::warn!(
                "the claim on this email expired during the attempt; another worker owns it now"
            );
        }
    }
    Ok(outcome)
}
