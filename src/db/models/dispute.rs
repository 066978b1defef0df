//! Disputes and their rulings. A ruling and an escalation are conditional updates (on
//! `lock_version`, and on the dispute still being open or unescalated), so two channel
//! managers ruling at once, or two job runners escalating at once, change it only once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::disputes;
use crate::domain::dispute::{Reason, RulingOutcome};

pub const OPEN: &str = "open";
pub const RESOLVED: &str = "resolved";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = disputes)]
pub struct Dispute {
    pub id: String,
    pub raiser_registration_id: Option<String>,
    pub other_registration_id: Option<String>,
    pub raised_by: String,
    pub raiser_role: String,
    pub raiser_org_id: Option<String>,
    pub prospect_name: String,
    pub reason: Reason,
    pub details: String,
    pub status: String,
    pub raised_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub sla_escalated_at: Option<NaiveDateTime>,
    pub policy_version: i64,
    pub roe_version: Option<i64>,
    pub outcome: Option<RulingOutcome>,
    pub rationale: Option<String>,
    pub partner_share_pct: Option<i32>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub search_text: String,
    pub lock_version: i64,
}

impl Dispute {
    pub fn is_open(&self) -> bool {
        self.status == OPEN
    }

    pub fn reason_label(&self) -> &'static str {
        self.reason.label()
    }

    pub fn outcome(&self) -> Option<RulingOutcome> {
        self.outcome
    }

    pub fn outcome_label(&self) -> &'static str {
        self.outcome().map_or("Open", RulingOutcome::label)
    }
}

pub struct NewDispute<'a> {
    pub id: &'a str,
    pub raiser_registration_id: Option<&'a str>,
    pub other_registration_id: Option<&'a str>,
    /// The organisation of `other_registration_id`.
    pub other_org_id: Option<&'a str>,
    pub raised_by: &'a str,
    pub raiser_role: &'a str,
    pub raiser_org_id: Option<&'a str>,
    pub prospect_name: &'a str,
    pub reason: Reason,
    pub details: &'a str,
    pub due_at: NaiveDateTime,
    pub policy_version: i64,
    pub roe_version: Option<i64>,
}

/// What the disputes list searches, from a dispute's texts.
pub fn search_text(parts: &[&str]) -> String {
    parts.join("\n").to_lowercase()
}

pub fn insert(conn: &mut DbConnection, new: &NewDispute, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(disputes::table)
        .values((
            disputes::id.eq(new.id),
            disputes::raiser_registration_id.eq(new.raiser_registration_id),
            disputes::other_registration_id.eq(new.other_registration_id),
            disputes::other_org_id.eq(new.other_org_id),
            disputes::raised_by.eq(new.raised_by),
            disputes::raiser_role.eq(new.raiser_role),
            disputes::raiser_org_id.eq(new.raiser_org_id),
            disputes::prospect_name.eq(new.prospect_name),
            disputes::reason.eq(new.reason),
            disputes::details.eq(new.details),
            disputes::status.eq(OPEN),
            disputes::raised_at.eq(now),
            disputes::due_at.eq(Some(new.due_at)),
            disputes::policy_version.eq(new.policy_version),
            disputes::roe_version.eq(new.roe_version),
            disputes::search_text.eq(search_text(&[
                new.reason.label(),
                new.details,
                new.prospect_name,
            ])),
            disputes::lock_version.eq(0_i64),
        ))
        .execute(conn)?;
    parties_figures_changed(conn, new.raiser_org_id, new.other_registration_id)
}

/// The organisations whose figures count this dispute (the raiser's, and the one holding
/// the disputed registration) see their summary recomputed.
fn parties_figures_changed(
    conn: &mut DbConnection,
    raiser_org_id: Option<&str>,
    other_registration_id: Option<&str>,
) -> QueryResult<()> {
    if let Some(org) = raiser_org_id {
        super::org::figures_changed(conn, org)?;
    }
    if let Some(reg) = other_registration_id {
        let org: Option<String> = crate::db::schema::registrations::table
            .find(reg)
            .select(crate::db::schema::registrations::org_id)
            .first(conn)
            .optional()?;
        if let Some(org) = org {
            super::org::figures_changed(conn, &org)?;
        }
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Dispute>> {
    disputes::table
        .find(id)
        .select(Dispute::as_select())
        .first(conn)
        .optional()
}

/// An open dispute on this registration, by either party: one at a time.
pub fn open_on(conn: &mut DbConnection, registration_id: &str) -> QueryResult<Option<Dispute>> {
    disputes::table
        .filter(disputes::status.eq(OPEN))
        .filter(
            disputes::raiser_registration_id
                .eq(registration_id)
                .or(disputes::other_registration_id.eq(registration_id)),
        )
        .select(Dispute::as_select())
        .first(conn)
        .optional()
}

/// Records the ruling if the dispute is still open and unchanged since it was read.
pub fn resolve(
    conn: &mut DbConnection,
    d: &Dispute,
    outcome: RulingOutcome,
    rationale: &str,
    partner_share_pct: Option<i64>,
    resolved_by: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        disputes::table
            .filter(disputes::id.eq(&d.id))
            .filter(disputes::status.eq(OPEN))
            .filter(disputes::lock_version.eq(d.lock_version)),
    )
    .set((
        disputes::status.eq(RESOLVED),
        disputes::due_at.eq(None::<NaiveDateTime>),
        disputes::outcome.eq(outcome),
        disputes::rationale.eq(rationale),
        disputes::partner_share_pct.eq(partner_share_pct.and_then(|p| i32::try_from(p).ok())),
        disputes::resolved_by.eq(resolved_by),
        disputes::resolved_at.eq(now),
        disputes::search_text.eq(search_text(&[
            d.reason_label(),
            &d.details,
            &d.prospect_name,
            rationale,
        ])),
        disputes::lock_version.eq(d.lock_version + 1),
    ))
    .execute(conn)?;
    if n == 1 {
        parties_figures_changed(
            conn,
            d.raiser_org_id.as_deref(),
            d.other_registration_id.as_deref(),
        )?;
    }
    Ok(n == 1)
}

/// Marks the breach escalated if nobody did yet; true when this call did.
pub fn mark_escalated(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        disputes::table
            .filter(disputes::id.eq(id))
            .filter(disputes::status.eq(OPEN))
            .filter(disputes::due_at.le(now))
            .filter(disputes::sla_escalated_at.is_null()),
    )
    .set(disputes::sla_escalated_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Open disputes past their deadline and not yet escalated, oldest deadline first.
pub fn overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Dispute>> {
    disputes::table
        .filter(disputes::due_at.le(now))
        .filter(disputes::sla_escalated_at.is_null())
        .order((disputes::due_at.asc(), disputes::id.asc()))
        .limit(limit)
        .select(Dispute::as_select())
        .load(conn)
}

/// Where a list of disputes continues: the last row's time in the list's order, and its id.
pub type Cursor = (NaiveDateTime, String);

/// The open disputes, the most urgent first; `after` continues a list (keyset).
pub fn queue(
    conn: &mut DbConnection,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Dispute>> {
    let mut query = disputes::table
        .filter(disputes::due_at.is_not_null())
        .into_boxed();
    if let Some((at, id)) = after {
        query = query
            .filter(disputes::due_at.ge(*at))
            .filter(disputes::due_at.gt(*at).or(disputes::id.gt(id.clone())));
    }
    query
        .order((disputes::due_at.asc(), disputes::id.asc()))
        .limit(limit)
        .select(Dispute::as_select())
        .load(conn)
}

/// A partner organisation's disputes, newest first.
pub fn of_org(conn: &mut DbConnection, org_id: &str, limit: i64) -> QueryResult<Vec<Dispute>> {
    disputes::table
        .filter(disputes::raiser_org_id.eq(org_id))
        .order((disputes::raised_at.desc(), disputes::id.desc()))
        .limit(limit)
        .select(Dispute::as_select())
        .load(conn)
}

/// The disputes a user raised, newest first.
pub fn raised_by(conn: &mut DbConnection, user_id: &str, limit: i64) -> QueryResult<Vec<Dispute>> {
    disputes::table
        .filter(disputes::raised_by.eq(user_id))
        .order((disputes::raised_at.desc(), disputes::id.desc()))
        .limit(limit)
        .select(Dispute::as_select())
        .load(conn)
}

/// Disputes on a registration (raised with it or against it), newest first.
pub fn on_registration(
    conn: &mut DbConnection,
    registration_id: &str,
) -> QueryResult<Vec<Dispute>> {
    disputes::table
        .filter(
            disputes::raiser_registration_id
                .eq(registration_id)
                .or(disputes::other_registration_id.eq(registration_id)),
        )
        .order((disputes::raised_at.desc(), disputes::id.desc()))
        .select(Dispute::as_select())
        .load(conn)
}

/// What the search of past rulings looks for.
#[derive(Debug, Clone, Default)]
pub struct RulingSearch {
    /// Found (any case) in the reason, details, rationale or prospect name.
    pub text: String,
    pub outcome: Option<RulingOutcome>,
}

/// Past rulings that match `search`, newest first; `after` continues a list (keyset).
pub fn rulings(
    conn: &mut DbConnection,
    search: &RulingSearch,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Dispute>> {
    let mut query = disputes::table
        .filter(disputes::status.eq(RESOLVED))
        .into_boxed();
    if let Some((at, id)) = after {
        query = query.filter(disputes::resolved_at.le(*at)).filter(
            disputes::resolved_at
                .lt(*at)
                .or(disputes::id.lt(id.clone())),
        );
    }
    let RulingSearch { text, outcome } = search;
    let text = text.trim().to_lowercase();
    if !text.is_empty() {
        query = query.filter(
            disputes::search_text
                .like(crate::db::search::contains(&text))
                .escape('\\'),
        );
    }
    if let Some(outcome) = *outcome {
        query = query.filter(disputes::outcome.eq(outcome));
    }
    query
        .order((disputes::resolved_at.desc(), disputes::id.desc()))
        .limit(limit)
        .select(Dispute::as_select())
        .load(conn)
}

/// A dispute as the dashboard counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub at: NaiveDateTime,
    /// Its ruling, once ruled.
    pub outcome: Option<RulingOutcome>,
    /// The registration it is about: the raising partner's own, or the one a rep disputes.
    pub registration_id: Option<String>,
}

/// Every dispute raised from `from` until before `until`.
pub fn raised_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<Raised>> {
    type Row = (
        NaiveDateTime,
        Option<RulingOutcome>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = disputes::table
        .filter(disputes::raised_at.ge(from))
        .filter(disputes::raised_at.lt(until))
        .select((
            disputes::raised_at,
            disputes::outcome,
            disputes::raiser_registration_id,
            disputes::other_registration_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, outcome, raiser, other)| Raised {
            at,
            outcome,
            registration_id: raiser.or(other),
        })
        .collect())
}

/// Every dispute, newest first, optionally only open or resolved ones; `after` continues
/// the list after `(raised_at, id)` (keyset).
pub fn newest(
    conn: &mut DbConnection,
    status: Option<&str>,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Dispute>> {
    let mut query = disputes::table.into_boxed();
    if let Some(s) = status {
        query = query.filter(disputes::status.eq(s.to_owned()));
    }
    if let Some((at, id)) = after {
        query = query
            .filter(disputes::raised_at.le(*at))
            .filter(disputes::raised_at.lt(*at).or(disputes::id.lt(id.clone())));
    }
    query
        .order((disputes::raised_at.desc(), disputes::id.desc()))
        .limit(limit)
        .select(Dispute::as_select())
        .load(conn)
}
