//! The review queue as a spreadsheet: every item waiting for a decision, the nearest SLA
//! deadline first, with its SLA state and the conflict evidence the queue shows.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::{Export, utc};
use crate::db::DbConnection;
use crate::domain::lifecycle::Renewal;
use crate::domain::money::amount_input;
use crate::domain::sla::{SlaState, sla_state};
use crate::workflow::review_queue::{self, QueueItem};

pub struct ReviewQueue {
    /// For the SLA state of each item.
    pub now: NaiveDateTime,
}

impl Export for ReviewQueue {
    type Row = QueueItem;
    type Cursor = (NaiveDateTime, String);

    const HEADER: &'static [&'static str] = &[
        "registration_id",
        "prospect",
        "organisation",
        "request",
        "status",
        "segment",
        "amount_minor",
        "amount",
        "currency",
        "submitted_at",
        "review_due_at",
        "sla",
        "sla_escalated_at",
        "evidence",
        "flags",
    ];

    fn file_stem(&self) -> &'static str {
        "review-queue"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&Self::Cursor>,
        limit: i64,
    ) -> QueryResult<Vec<QueueItem>> {
        review_queue::queue(conn, after.cloned(), limit, self.now)
    }

    fn cursor(&self, row: &QueueItem) -> Option<Self::Cursor> {
        let r = &row.line;
        r.review_due_at.map(|at| (at, r.id.clone()))
    }

    fn record(&self, row: &QueueItem) -> Vec<String> {
        let r = &row.line;
        let renewal = r.renewal == Some(Renewal::Requested);
        vec![
            r.id.clone(),
            r.company_name.clone(),
            r.org_name.clone(),
            if renewal { "renewal" } else { "registration" }.to_owned(),
            r.status.as_str().to_owned(),
            r.segment.as_str().to_owned(),
            r.amount_minor.to_string(),
            amount_input(r.amount_minor, &r.currency),
            r.currency.clone(),
            utc(Some(r.submitted_at)),
            utc(r.review_due_at),
            sla_state(r.review_due_at, r.sla_paused_secs, self.now)
                .map(SlaState::as_str)
                .unwrap_or_default()
                .to_owned(),
            utc(r.sla_escalated_at),
            row.evidence.text(),
            row.flags
                .iter()
                .map(|f| f.kind.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ]
    }
}
