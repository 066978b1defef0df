//! The review queue as a spreadsheet: every item waiting for a decision, the nearest SLA
//! deadline first, with its SLA state and the conflict evidence the queue shows.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::{Export, utc};
use crate::db::DbConnection;
use crate::db::models::flag::{self, Flag};
use crate::db::models::policy;
use crate::db::models::registration::{self, Listed};
use crate::domain::lifecycle::Renewal;
use crate::domain::money::amount_input;
use crate::domain::sla::{SlaState, sla_state};
use crate::workflow::review_evidence;

pub struct ReviewQueue {
    /// For the SLA state of each item.
    pub now: NaiveDateTime,
}

pub struct Row {
    listed: Listed,
    evidence: String,
    flags: Vec<Flag>,
}

impl Export for ReviewQueue {
    type Row = Row;
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
    ) -> QueryResult<Vec<Row>> {
        let listed = registration::review_queue(conn, after.cloned(), limit)?;
        let ids: Vec<String> = listed.iter().map(|l| l.registration.id.clone()).collect();
        let policy = policy::current(conn)?.value;
        let evidence = review_evidence::summarize_all(conn, &ids, &policy, self.now.date())?;
        let mut flags = flag::open_for(conn, &ids)?;
        Ok(listed
            .into_iter()
            .zip(evidence)
            .map(|(listed, e)| Row {
                flags: flags.remove(&listed.registration.id).unwrap_or_default(),
                evidence: e.text(),
                listed,
            })
            .collect())
    }

    fn cursor(&self, row: &Row) -> Option<Self::Cursor> {
        let r = &row.listed.registration;
        r.state.review_due_at.map(|at| (at, r.id.clone()))
    }

    fn record(&self, row: &Row) -> Vec<String> {
        let r = &row.listed.registration;
        let s = &r.state;
        let renewal = s.renewal == Some(Renewal::Requested);
        vec![
            r.id.clone(),
            r.company_name.clone(),
            row.listed.org_name.clone(),
            if renewal { "renewal" } else { "registration" }.to_owned(),
            r.status().as_str().to_owned(),
            r.segment().as_str().to_owned(),
            r.amount_minor.to_string(),
            amount_input(r.amount_minor, &r.currency),
            r.currency.clone(),
            utc(Some(r.submitted_at)),
            utc(s.review_due_at),
            sla_state(s.review_due_at, s.sla_paused_secs, self.now)
                .map(SlaState::as_str)
                .unwrap_or_default()
                .to_owned(),
            utc(s.sla_escalated_at),
            row.evidence.clone(),
            row.flags
                .iter()
                .map(|f| f.kind.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ]
    }
}
