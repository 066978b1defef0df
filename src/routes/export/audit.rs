//! The audit log as a spreadsheet, with the page's filters: every event, newest first, with
//! its place in the hash chain, so a copy kept elsewhere can be compared with
//! `truce audit verify`'s later findings.

use diesel::QueryResult;

use super::{Export, utc};
use crate::db::DbConnection;
use crate::db::models::audit::{self, Filter, Listed};

pub struct AuditEvents(pub Filter);

impl Export for AuditEvents {
    type Row = Listed;
    /// The sequence number of the last event written (newest first).
    type Cursor = i64;

    const HEADER: &'static [&'static str] = &[
        "seq",
        "event_id",
        "at",
        "actor_id",
        "actor_email",
        "actor_role",
        "client_addr",
        "action",
        "subject",
        "detail",
        "prev_hash",
        "hash",
    ];

    fn file_stem(&self) -> &'static str {
        "audit"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&i64>,
        limit: i64,
    ) -> QueryResult<Vec<Listed>> {
        audit::page(conn, &self.0, after.copied(), limit)
    }

    fn cursor(&self, row: &Listed) -> Option<i64> {
        Some(row.event.seq)
    }

    fn record(&self, row: &Listed) -> Vec<String> {
        let e = &row.event;
        vec![
            e.seq.to_string(),
            e.id.clone(),
            utc(Some(e.at)),
            e.actor_id.clone().unwrap_or_default(),
            row.actor_email.clone().unwrap_or_default(),
            e.actor_role.clone().unwrap_or_default(),
            e.client_addr.clone().unwrap_or_default(),
            e.action.clone(),
            e.subject.clone(),
            e.detail.clone().unwrap_or_default(),
            e.prev_hash.clone().unwrap_or_default(),
            e.hash.clone().unwrap_or_default(),
        ]
    }
}
