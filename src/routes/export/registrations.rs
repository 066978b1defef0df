//! Registrations as a spreadsheet: a partner's "My deals" (its own organisation only) or the
//! reviewers' list of every registration, with the list's status filter and order.

use std::collections::HashMap;

use diesel::QueryResult;

use super::{Export, day, number, utc};
use crate::db::DbConnection;
use crate::db::models::registration::{self, Cursor, Details, Line, ListQuery, Listed, Sort};
use crate::domain::lifecycle::{Renewal, Status};
use crate::domain::money::amount_input;

pub struct Registrations {
    /// `Some` for a partner: the signed-in user's organisation, never one from the request.
    org_id: Option<String>,
    status: Option<Status>,
    sort: Sort,
}

impl Registrations {
    /// A partner's own organisation's registrations.
    pub fn of_org(org_id: String, status: Option<Status>, sort: Sort) -> Self {
        Self {
            org_id: Some(org_id),
            status,
            sort,
        }
    }

    /// Every organisation's, for reviewers.
    pub fn all(status: Option<Status>, sort: Sort) -> Self {
        Self {
            org_id: None,
            status,
            sort,
        }
    }
}

/// A registration and its details (what the partner submitted).
pub struct Row {
    listed: Listed,
    details: Option<Details>,
}

impl Export for Registrations {
    type Row = Row;
    type Cursor = Cursor;

    const HEADER: &'static [&'static str] = &[
        "registration_id",
        "prospect",
        "organisation",
        "status",
        "segment",
        "amount_minor",
        "amount",
        "currency",
        "website",
        "country",
        "industry",
        "contact_name",
        "contact_email",
        "contact_phone",
        "expected_close",
        "submitted_at",
        "decided_at",
        "protection_ends_at",
        "renewal",
        "closed_at",
        "won_amount_minor",
        "won_amount",
        "close_date",
        "outcome_reason",
        "policy_version",
        "decided_policy_version",
    ];

    fn file_stem(&self) -> &'static str {
        if self.org_id.is_some() {
            "deals"
        } else {
            "registrations"
        }
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&Cursor>,
        limit: i64,
    ) -> QueryResult<Vec<Row>> {
        let listed = registration::list(
            conn,
            &ListQuery {
                org_id: self.org_id.as_deref(),
                status: self.status,
                sort: self.sort,
                after: after.cloned(),
                limit,
            },
        )?;
        let ids: Vec<String> = listed.iter().map(|l| l.registration.id.clone()).collect();
        let mut details: HashMap<String, Details> = registration::details_of(conn, &ids)?;
        Ok(listed
            .into_iter()
            .map(|listed| Row {
                details: details.remove(&listed.registration.id),
                listed,
            })
            .collect())
    }

    fn cursor(&self, row: &Row) -> Option<Cursor> {
        let r = &row.listed;
        registration::cursor_after(&Line::of(&r.registration, &r.org_name), self.sort)
    }

    fn record(&self, row: &Row) -> Vec<String> {
        let r = &row.listed.registration;
        let s = &r.state;
        let d = row.details.as_ref();
        let detail = |f: fn(&Details) -> &str| d.map(f).unwrap_or_default().to_owned();
        vec![
            r.id.clone(),
            r.company_name.clone(),
            row.listed.org_name.clone(),
            r.status().as_str().to_owned(),
            r.segment().as_str().to_owned(),
            r.amount_minor.to_string(),
            amount_input(r.amount_minor, &r.currency),
            r.currency.clone(),
            detail(|d| &d.website),
            detail(|d| &d.country),
            detail(|d| &d.industry),
            detail(|d| &d.contact_name),
            detail(|d| &d.contact_email),
            detail(|d| &d.contact_phone),
            day(d.map(|d| d.expected_close)),
            utc(Some(r.submitted_at)),
            utc(s.decided_at),
            utc(s.protection_ends_at),
            s.renewal
                .map(Renewal::as_str)
                .unwrap_or_default()
                .to_owned(),
            utc(s.closed_at),
            number(s.close_amount_minor),
            s.close_amount_minor
                .map(|a| amount_input(a, &r.currency))
                .unwrap_or_default(),
            day(s.close_date),
            s.outcome_reason.clone().unwrap_or_default(),
            r.policy_version.to_string(),
            number(s.decided_policy_version),
        ]
    }
}
