//! Registrations as lists show them: "My deals", the reviewers' list, the review queue and
//! the exports of each, keyset-paginated so that page 100 costs the same as page 1.
//!
//! A page reads [`Line`]s, the dozen columns a list line shows and pages by, not the whole
//! row: decoding a registration's ~30 columns (eight of them timestamps, which diesel parses
//! from SQLite's text) was a third of "My deals"' work. The exports, which print every
//! column, read whole rows through the same filters ([`list`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Registration;
use crate::db::schema::{partner_orgs, registrations};
use crate::db::stamp::{MaybeStamp, Stamp};
use crate::db::{DbConnection, MultiBackend, on_backend};
use crate::domain::code::text_enum;
use crate::domain::lifecycle::{Renewal, Status};
use crate::domain::policy::Segment;

/// A registration in a list, with its organisation's name (shown to reviewers only).
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub registration: Registration,
    pub org_name: String,
}

/// What a list line shows of a registration and the keys it pages by, with its
/// organisation's name. Read from `registrations` joined to `partner_orgs`; its timestamps
/// through `db::stamp`, which reads SQLite's text without chrono's format interpreter.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = registrations, check_for_backend(MultiBackend))]
pub struct Line {
    pub id: String,
    pub company_name: String,
    pub name_key: String,
    pub amount_minor: i64,
    pub currency: String,
    pub segment: Segment,
    #[diesel(deserialize_as = Stamp)]
    pub submitted_at: NaiveDateTime,
    pub status: Status,
    #[diesel(deserialize_as = MaybeStamp)]
    pub review_due_at: Option<NaiveDateTime>,
    pub sla_paused_secs: Option<i64>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub sla_escalated_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStamp)]
    pub protection_ends_at: Option<NaiveDateTime>,
    pub renewal: Option<Renewal>,
    #[diesel(select_expression = partner_orgs::name)]
    #[diesel(select_expression_type = partner_orgs::name)]
    pub org_name: String,
}

impl Line {
    /// The line of a whole row (a detail page shows the same badges and clocks as a list).
    pub fn of(r: &Registration, org_name: &str) -> Self {
        let s = &r.state;
        Self {
            id: r.id.clone(),
            company_name: r.company_name.clone(),
            name_key: r.name_key.clone(),
            amount_minor: r.amount_minor,
            currency: r.currency.clone(),
            segment: r.segment,
            submitted_at: r.submitted_at,
            status: s.status,
            review_due_at: s.review_due_at,
            sla_paused_secs: s.sla_paused_secs,
            sla_escalated_at: s.sla_escalated_at,
            protection_ends_at: s.protection_ends_at,
            renewal: s.renewal,
            org_name: org_name.to_owned(),
        }
    }
}

text_enum! {
    /// How a list is ordered; each has its own index and keyset.
    pub enum Sort {
        Newest,
        Oldest,
        Company,
        #[strum(serialize = "ending")]
        EndingSoon,
    }
}

impl Sort {
    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest first",
            Sort::Oldest => "Oldest first",
            Sort::Company => "Company A–Z",
            Sort::EndingSoon => "Protection ending soonest",
        }
    }
}

/// Where the next page starts: the sort key and id of the last row shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    At(NaiveDateTime, String),
    Name(String, String),
}

pub struct ListQuery<'a> {
    /// `Some` for a partner: their organisation only.
    pub org_id: Option<&'a str>,
    pub status: Option<Status>,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// The filters, order and limit of one page, boxed for the backend of the connection it runs
/// on; [`list`] and [`list_lines`] choose the columns.
///
/// A macro, not a function, so that `on_backend!` compiles it once for each backend: boxed
/// for `MultiBackend`, the query went through `MultiConnection`, which writes its SQL out
/// again in every pass over it, and its lines were decoded through `MultiRow`: most of a
/// tenth of "My deals"' instructions (docs/performance.md).
macro_rules! page_of {
    ($q:expr) => {{
        use registrations as r;
        let q: &ListQuery = $q;
        let mut query = r::table.inner_join(partner_orgs::table).into_boxed();
        if let Some(org) = q.org_id {
            query = query.filter(r::org_id.eq(org.to_owned()));
        }
        if let Some(status) = q.status {
            query = query.filter(r::status.eq(status));
        }
        query = match (q.sort, q.after.clone()) {
            (Sort::Newest, Some(Cursor::At(at, id))) => query
                .filter(r::submitted_at.le(at))
                .filter(r::submitted_at.lt(at).or(r::id.lt(id))),
            (Sort::Oldest, Some(Cursor::At(at, id))) => query
                .filter(r::submitted_at.ge(at))
                .filter(r::submitted_at.gt(at).or(r::id.gt(id))),
            (Sort::EndingSoon, Some(Cursor::At(at, id))) => query
                .filter(r::protection_ends_at.ge(at))
                .filter(r::protection_ends_at.gt(at).or(r::id.gt(id))),
            (Sort::Company, Some(Cursor::Name(name, id))) => query
                .filter(r::name_key.ge(name.clone()))
                .filter(r::name_key.gt(name).or(r::id.gt(id))),
            _ => query,
        };
        query = match q.sort {
            Sort::Newest => query.order((r::submitted_at.desc(), r::id.desc())),
            Sort::Oldest => query.order((r::submitted_at.asc(), r::id.asc())),
            Sort::Company => query.order((r::name_key.asc(), r::id.asc())),
            Sort::EndingSoon => query
                .filter(r::protection_ends_at.is_not_null())
                .order((r::protection_ends_at.asc(), r::id.asc())),
        };
        query.limit(q.limit)
    }};
}

/// One page of whole registrations in the chosen order (the exports).
pub fn list(conn: &mut DbConnection, q: &ListQuery) -> QueryResult<Vec<Listed>> {
    on_backend!(conn, |c| page_of!(q)
        .select((Registration::as_select(), partner_orgs::name))
        .load(c))
}

/// One page of list lines in the chosen order (the pages).
pub fn list_lines(conn: &mut DbConnection, q: &ListQuery) -> QueryResult<Vec<Line>> {
    on_backend!(conn, |c| page_of!(q).select(Line::as_select()).load(c))
}

/// The cursor that continues after `row` in `sort` order.
pub fn cursor_after(row: &Line, sort: Sort) -> Option<Cursor> {
    match sort {
        Sort::Newest | Sort::Oldest => Some(Cursor::At(row.submitted_at, row.id.clone())),
        Sort::EndingSoon => row
            .protection_ends_at
            .map(|at| Cursor::At(at, row.id.clone())),
        Sort::Company => Some(Cursor::Name(row.name_key.clone(), row.id.clone())),
    }
}
