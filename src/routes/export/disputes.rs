//! Disputes as a spreadsheet: the open ones by SLA deadline, or the past rulings that match
//! the search, newest first. Both have the same columns, so a ruling's row reads like the
//! open dispute it was, with the ruling filled in.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::{Export, number, utc};
use crate::db::DbConnection;
use crate::db::models::dispute::{self, Cursor, Dispute, RulingSearch};
use crate::db::models::org;
use crate::domain::dispute::RulingOutcome;
use crate::domain::sla::{SlaState, sla_state};

pub enum Disputes {
    /// The channel team's queue.
    Open { now: NaiveDateTime },
    /// The search of past rulings.
    Rulings(RulingSearch),
}

pub struct Row {
    dispute: Dispute,
    /// The raising partner's organisation; none when a sales rep raised it.
    raiser_org: Option<String>,
}

impl Export for Disputes {
    type Row = Row;
    type Cursor = Cursor;

    const HEADER: &'static [&'static str] = &[
        "dispute_id",
        "prospect",
        "status",
        "reason",
        "details",
        "raised_by_role",
        "raiser_organisation",
        "raiser_registration_id",
        "other_registration_id",
        "raised_at",
        "due_at",
        "sla",
        "sla_escalated_at",
        "outcome",
        "partner_share_pct",
        "rationale",
        "resolved_at",
        "policy_version",
        "roe_version",
    ];

    fn file_stem(&self) -> &'static str {
        match self {
            Disputes::Open { .. } => "disputes",
            Disputes::Rulings(_) => "rulings",
        }
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&Cursor>,
        limit: i64,
    ) -> QueryResult<Vec<Row>> {
        let disputes = match self {
            Disputes::Open { .. } => dispute::queue(conn, after, limit)?,
            Disputes::Rulings(search) => dispute::rulings(conn, search, after, limit)?,
        };
        let org_ids: Vec<String> = disputes
            .iter()
            .filter_map(|d| d.raiser_org_id.clone())
            .collect();
        let names: HashMap<String, String> = org::names(conn, &org_ids)?;
        Ok(disputes
            .into_iter()
            .map(|dispute| Row {
                raiser_org: dispute
                    .raiser_org_id
                    .as_ref()
                    .and_then(|id| names.get(id).cloned()),
                dispute,
            })
            .collect())
    }

    fn cursor(&self, row: &Row) -> Option<Cursor> {
        let d = &row.dispute;
        let at = match self {
            Disputes::Open { .. } => d.due_at,
            Disputes::Rulings(_) => d.resolved_at,
        };
        at.map(|at| (at, d.id.clone()))
    }

    fn record(&self, row: &Row) -> Vec<String> {
        let d = &row.dispute;
        let sla = match self {
            Disputes::Open { now } => sla_state(d.due_at, None, *now).map(SlaState::as_str),
            Disputes::Rulings(_) => None,
        };
        vec![
            d.id.clone(),
            d.prospect_name.clone(),
            d.status.clone(),
            d.reason.as_str().to_owned(),
            d.details.clone(),
            d.raiser_role.clone(),
            row.raiser_org.clone().unwrap_or_default(),
            d.raiser_registration_id.clone().unwrap_or_default(),
            d.other_registration_id.clone().unwrap_or_default(),
            utc(Some(d.raised_at)),
            utc(d.due_at),
            sla.unwrap_or_default().to_owned(),
            utc(d.sla_escalated_at),
            d.outcome()
                .map(RulingOutcome::as_str)
                .unwrap_or_default()
                .to_owned(),
            number(d.partner_share_pct),
            d.rationale.clone().unwrap_or_default(),
            utc(d.resolved_at),
            d.policy_version.to_string(),
            number(d.roe_version),
        ]
    }
}
