//! Registrations, their details and their audit events. State changes are conditional on
//! `lock_version`, so two reviewers acting at once end in one state: the second update
//! matches no row and is reported as a conflict, never silently applied on top.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{prospect_key, tally};
use crate::db::DbConnection;
use crate::db::schema::{
    partner_orgs, registration_details, registration_events, registrations, users,
};
use crate::domain::lifecycle::{EventKind, Lifecycle, Renewal, Status};
use crate::domain::policy::Segment;
use crate::domain::registration::NewRegistration;
use crate::domain::role::Role;

mod batch;
mod lists;
mod queue;
pub use batch::{StateWrite, update_states};
pub use lists::{Cursor, Line, ListQuery, Listed, Sort, cursor_after, list, list_lines};
pub use queue::{Counted, Waiting, queue_version, review_queue, waiting_for_partner};

/// The lifecycle columns, as stored.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset, Insertable)]
#[diesel(table_name = registrations, treat_none_as_null = true)]
pub struct StateRow {
    pub status: Status,
    pub review_due_at: Option<NaiveDateTime>,
    pub sla_paused_secs: Option<i64>,
    pub sla_escalated_at: Option<NaiveDateTime>,
    pub queued_behind: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_policy_version: Option<i64>,
    pub protection_ends_at: Option<NaiveDateTime>,
    pub reminder_sent_at: Option<NaiveDateTime>,
    pub renewal: Option<Renewal>,
    pub renewal_note: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub close_amount_minor: Option<i64>,
    pub close_date: Option<NaiveDate>,
    pub outcome_reason: Option<String>,
}

impl StateRow {
    pub fn to_domain(&self) -> Lifecycle {
        Lifecycle {
            status: self.status,
            review_due_at: self.review_due_at,
            sla_paused_secs: self.sla_paused_secs,
            sla_escalated_at: self.sla_escalated_at,
            queued_behind: self.queued_behind.clone(),
            decided_at: self.decided_at,
            decided_policy_version: self.decided_policy_version,
            protection_ends_at: self.protection_ends_at,
            reminder_sent_at: self.reminder_sent_at,
            renewal: self.renewal,
            renewal_note: self.renewal_note.clone(),
            closed_at: self.closed_at,
            close_amount_minor: self.close_amount_minor,
            close_date: self.close_date,
            outcome_reason: self.outcome_reason.clone(),
        }
    }

    pub fn from_domain(l: &Lifecycle) -> Self {
        Self {
            status: l.status,
            review_due_at: l.review_due_at,
            sla_paused_secs: l.sla_paused_secs,
            sla_escalated_at: l.sla_escalated_at,
            queued_behind: l.queued_behind.clone(),
            decided_at: l.decided_at,
            decided_policy_version: l.decided_policy_version,
            protection_ends_at: l.protection_ends_at,
            reminder_sent_at: l.reminder_sent_at,
            renewal: l.renewal,
            renewal_note: l.renewal_note.clone(),
            closed_at: l.closed_at,
            close_amount_minor: l.close_amount_minor,
            close_date: l.close_date,
            outcome_reason: l.outcome_reason.clone(),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registrations)]
pub struct Registration {
    pub id: String,
    pub org_id: String,
    pub submitted_by: String,
    pub company_name: String,
    pub name_key: String,
    pub domain_key: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub program_units: i64,
    pub segment: Segment,
    pub policy_version: i64,
    pub submitted_at: NaiveDateTime,
    #[diesel(embed)]
    pub state: StateRow,
    pub lock_version: i64,
    pub updated_at: NaiveDateTime,
}

impl Registration {
    pub fn status(&self) -> Status {
        self.state.status
    }

    pub fn segment(&self) -> Segment {
        self.segment
    }

    /// What the dashboard's rollups count it by.
    pub fn counted(&self) -> tally::Counted<'_> {
        tally::Counted {
            id: &self.id,
            org_id: &self.org_id,
            submitted_at: self.submitted_at,
            segment: self.segment,
            amount_minor: self.amount_minor,
            program_units: self.program_units,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = registration_details)]
pub struct Details {
    pub website: String,
    pub country: String,
    pub industry: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub expected_close: NaiveDate,
    pub relationship: String,
}

/// One entry of a registration's timeline.
#[derive(Debug, Clone, Queryable)]
pub struct Event {
    pub at: NaiveDateTime,
    pub kind: EventKind,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub note: Option<String>,
    pub policy_version: i64,
    pub actor_name: Option<String>,
    pub actor_role: Option<Role>,
}

impl Event {
    pub fn label(&self) -> &'static str {
        self.kind.label()
    }
}

/// A registration as it is first stored: what the partner submitted, by whom, under which
/// policy version, in which starting state.
pub struct NewRow<'a> {
    pub id: &'a str,
    pub new: &'a NewRegistration,
    pub org_id: &'a str,
    pub user_id: &'a str,
    pub policy_version: i64,
    pub state: &'a Lifecycle,
}

pub fn insert(conn: &mut DbConnection, row: &NewRow, now: NaiveDateTime) -> QueryResult<()> {
    let NewRow {
        id,
        new,
        org_id,
        user_id,
        policy_version,
        state,
    } = *row;
    diesel::insert_into(registrations::table)
        .values((
            registrations::id.eq(id),
            registrations::org_id.eq(org_id),
            registrations::submitted_by.eq(user_id),
            registrations::company_name.eq(&new.company_name),
            registrations::name_key.eq(&new.name_key),
            registrations::domain_key.eq(&new.domain_key),
            registrations::amount_minor.eq(new.amount_minor),
            registrations::currency.eq(&new.currency),
            registrations::program_units.eq(new.program_units),
            registrations::segment.eq(new.segment),
            registrations::policy_version.eq(policy_version),
            registrations::submitted_at.eq(now),
            StateRow::from_domain(state),
            registrations::lock_version.eq(0_i64),
            registrations::updated_at.eq(now),
            // The prospect's place beside its state, for the dashboard's territory slices.
            registrations::country.eq(&new.country),
            registrations::industry.eq(&new.industry),
        ))
        .execute(conn)?;
    diesel::insert_into(registration_details::table)
        .values((
            registration_details::registration_id.eq(id),
            registration_details::website.eq(&new.website),
            registration_details::country.eq(&new.country),
            registration_details::industry.eq(&new.industry),
            registration_details::contact_name.eq(&new.contact_name),
            registration_details::contact_email.eq(&new.contact_email),
            registration_details::contact_phone.eq(&new.contact_phone),
            registration_details::expected_close.eq(new.expected_close),
            registration_details::relationship.eq(&new.relationship),
        ))
        .execute(conn)?;
    let profile = prospect_key::registration_profile(&new.company_name, new.domain_key.as_deref());
    prospect_key::insert(conn, &[(prospect_key::Kind::Registration, id, &profile)])?;
    let counted = tally::Counted {
        id,
        org_id,
        submitted_at: now,
        segment: new.segment,
        amount_minor: new.amount_minor,
        program_units: new.program_units,
    };
    tally::added(conn, &counted, state)?;
    super::org::figures_changed(conn, org_id)
}

/// The lifecycle columns that differ between two states: `None` leaves a column alone, so an
/// update touches only the indexes over what really changed (an expiry writes the status and
/// the close time, not all fifteen columns).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = registrations)]
struct StateChange {
    status: Option<Status>,
    review_due_at: Option<Option<NaiveDateTime>>,
    sla_paused_secs: Option<Option<i64>>,
    sla_escalated_at: Option<Option<NaiveDateTime>>,
    queued_behind: Option<Option<String>>,
    decided_at: Option<Option<NaiveDateTime>>,
    decided_policy_version: Option<Option<i64>>,
    protection_ends_at: Option<Option<NaiveDateTime>>,
    reminder_sent_at: Option<Option<NaiveDateTime>>,
    renewal: Option<Option<Renewal>>,
    renewal_note: Option<Option<String>>,
    closed_at: Option<Option<NaiveDateTime>>,
    close_amount_minor: Option<Option<i64>>,
    close_date: Option<Option<NaiveDate>>,
    outcome_reason: Option<Option<String>>,
}

impl StateChange {
    fn between(before: &Lifecycle, after: &Lifecycle) -> Self {
        let (b, a) = (StateRow::from_domain(before), StateRow::from_domain(after));
        let mut change = Self::default();
        macro_rules! changed {
            ($($field:ident),*) => {$(
                if b.$field != a.$field {
                    change.$field = Some(a.$field);
                }
            )*};
        }
        changed!(
            status,
            review_due_at,
            sla_paused_secs,
            sla_escalated_at,
            queued_behind,
            decided_at,
            decided_policy_version,
            protection_ends_at,
            reminder_sent_at,
            renewal,
            renewal_note,
            closed_at,
            close_amount_minor,
            close_date,
            outcome_reason
        );
        change
    }
}

/// Writes the columns that changed from `before` to `after` if nobody changed the
/// registration since `reg.lock_version` was read, and moves its dashboard counts and its
/// organisation's figures version. Returns false when someone did (the caller reports a
/// conflict).
pub fn update_state(
    conn: &mut DbConnection,
    reg: &Registration,
    before: &Lifecycle,
    after: &Lifecycle,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let mut counts = tally::Pending::default();
    let written = update_state_in_batch(conn, reg, before, after, now, &mut counts)?;
    if written {
        counts.write(conn)?;
        super::org::figures_changed(conn, &reg.org_id)?;
    }
    Ok(written)
}

/// [`update_state`] for a sweep's batch, which writes the count moves of all its rows
/// together (`counts`) and raises the figures versions of all its organisations at once
/// (`org::figures_changed_many`) before it commits: a few statements a batch instead of
/// seven a row.
pub fn update_state_in_batch(
    conn: &mut DbConnection,
    reg: &Registration,
    before: &Lifecycle,
    after: &Lifecycle,
    now: NaiveDateTime,
    counts: &mut tally::Pending,
) -> QueryResult<bool> {
    let lock_version = reg.lock_version;
    let n = diesel::update(
        registrations::table
            .filter(registrations::id.eq(&reg.id))
            .filter(registrations::lock_version.eq(lock_version)),
    )
    .set((
        StateChange::between(before, after),
        registrations::lock_version.eq(lock_version + 1),
        registrations::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 1 {
        counts.moved(&reg.counted(), before, after);
    }
    Ok(n == 1)
}

pub struct NewEvent<'a> {
    pub registration_id: &'a str,
    pub actor_id: Option<&'a str>,
    pub kind: EventKind,
    pub from: Option<Status>,
    pub to: Status,
    pub note: Option<&'a str>,
    pub policy_version: i64,
}

pub fn insert_event(conn: &mut DbConnection, e: &NewEvent, now: NaiveDateTime) -> QueryResult<()> {
    insert_events(conn, vec![EventRow::of(e, now)])
}

/// A timeline event as stored, for writing several at once ([`insert_events`]).
#[derive(Insertable)]
#[diesel(table_name = registration_events, treat_none_as_default_value = false)]
pub struct EventRow {
    id: String,
    registration_id: String,
    at: NaiveDateTime,
    actor_id: Option<String>,
    kind: EventKind,
    from_status: Option<Status>,
    to_status: Status,
    note: Option<String>,
    policy_version: i64,
}

impl EventRow {
    pub fn of(e: &NewEvent, now: NaiveDateTime) -> Self {
        EventRow {
            id: crate::ids::new_id(),
            registration_id: e.registration_id.to_owned(),
            at: now,
            actor_id: e.actor_id.map(str::to_owned),
            kind: e.kind,
            from_status: e.from,
            to_status: e.to,
            note: e.note.map(str::to_owned),
            policy_version: e.policy_version,
        }
    }
}

/// Writes `events` in as few statements as the backend allows (a sweep's batch writes its
/// rows' events together).
pub fn insert_events(conn: &mut DbConnection, events: Vec<EventRow>) -> QueryResult<()> {
    crate::db::bulk::insert_rows(conn, registration_events::table, 9, events)?;
    Ok(())
}

/// The timeline, oldest first.
pub fn events(conn: &mut DbConnection, registration_id: &str) -> QueryResult<Vec<Event>> {
    registration_events::table
        .left_join(users::table.on(users::id.nullable().eq(registration_events::actor_id)))
        .filter(registration_events::registration_id.eq(registration_id))
        .order((registration_events::at.asc(), registration_events::id.asc()))
        .select((
            registration_events::at,
            registration_events::kind,
            registration_events::from_status,
            registration_events::to_status,
            registration_events::note,
            registration_events::policy_version,
            users::name.nullable(),
            users::role.nullable(),
        ))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Registration>> {
    registrations::table
        .find(id)
        .select(Registration::as_select())
        .first(conn)
        .optional()
}

/// These registrations, in no particular order (ids not found are left out).
pub fn find_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Registration>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    registrations::table
        .filter(registrations::id.eq_any(ids))
        .select(Registration::as_select())
        .load(conn)
}

/// Which of these registrations have others queued behind them.
pub fn with_queue(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashSet<String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let holders: Vec<Option<String>> = registrations::table
        .filter(registrations::queued_behind.eq_any(ids))
        .select(registrations::queued_behind)
        .distinct()
        .load(conn)?;
    Ok(holders.into_iter().flatten().collect())
}

/// A registration of `org_id` only: partners never reach another organisation's rows.
pub fn find_in_org(
    conn: &mut DbConnection,
    id: &str,
    org_id: &str,
) -> QueryResult<Option<Registration>> {
    registrations::table
        .filter(registrations::id.eq(id))
        .filter(registrations::org_id.eq(org_id))
        .select(Registration::as_select())
        .first(conn)
        .optional()
}

pub fn details(conn: &mut DbConnection, id: &str) -> QueryResult<Details> {
    registration_details::table
        .find(id)
        .select(Details::as_select())
        .first(conn)
}

/// The details of these registrations, by registration id: one query for a page of a list.
pub fn details_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, Details>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(String, Details)> = registration_details::table
        .filter(registration_details::registration_id.eq_any(ids))
        .select((registration_details::registration_id, Details::as_select()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The registration holding a prospect with either key, if any. An approved holder comes
/// first: a locked prospect declines new registrations rather than queueing them.
pub fn find_holder(
    conn: &mut DbConnection,
    name_key: &str,
    domain_key: Option<&str>,
) -> QueryResult<Option<Registration>> {
    let holding = Status::strs(&Status::HOLDING);
    // A registration set aside as sharing another's prospect holds nothing in its own right.
    let mut found: Vec<Registration> = registrations::table
        .filter(registrations::status.eq_any(&holding))
        .filter(registrations::shares_prospect_with.is_null())
        .filter(registrations::name_key.eq(name_key))
        .select(Registration::as_select())
        .load(conn)?;
    if let Some(domain) = domain_key {
        found.extend(
            registrations::table
                .filter(registrations::status.eq_any(&holding))
                .filter(registrations::shares_prospect_with.is_null())
                .filter(registrations::domain_key.eq(domain))
                .select(Registration::as_select())
                .load(conn)?,
        );
    }
    found.sort_by_key(|r| (r.status() != Status::Approved, r.submitted_at));
    Ok(found.into_iter().next())
}

/// Registrations waiting in line behind `holder_id`, first in line first.
pub fn queued_behind(conn: &mut DbConnection, holder_id: &str) -> QueryResult<Vec<Registration>> {
    registrations::table
        .filter(registrations::queued_behind.eq(holder_id))
        .filter(registrations::status.eq(Status::Queued))
        .order((registrations::submitted_at.asc(), registrations::id.asc()))
        .select(Registration::as_select())
        .load(conn)
}

pub fn count_in_states(
    conn: &mut DbConnection,
    org_id: &str,
    states: &[Status],
) -> QueryResult<i64> {
    registrations::table
        .filter(registrations::org_id.eq(org_id))
        .filter(registrations::status.eq_any(Status::strs(states)))
        .count()
        .get_result(conn)
}

/// Ids of approved registrations whose protection ended by `until`, oldest first, except
/// those with a renewal awaiting review: the expiry sweep reads these, then changes each row
/// conditionally.
pub fn ids_expiring_by(
    conn: &mut DbConnection,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    registrations::table
        .filter(registrations::status.eq(Status::Approved))
        .filter(registrations::protection_ends_at.le(until))
        .filter(
            registrations::renewal
                .is_null()
                .or(registrations::renewal.ne(Renewal::Requested)),
        )
        .order(registrations::protection_ends_at.asc())
        .limit(limit)
        .select(registrations::id)
        .load(conn)
}

/// Ids of items whose review is overdue and not yet escalated.
pub fn ids_overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    registrations::table
        .filter(registrations::review_due_at.le(now))
        .filter(registrations::sla_escalated_at.is_null())
        .order(registrations::review_due_at.asc())
        .limit(limit)
        .select(registrations::id)
        .load(conn)
}

/// These registrations with their organisation's name, in no particular order.
pub fn listed_by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Listed>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    registrations::table
        .inner_join(partner_orgs::table)
        .filter(registrations::id.eq_any(ids))
        .select((Registration::as_select(), partner_orgs::name))
        .load(conn)
}

/// The organisation's own active registration of a prospect, if any: a partner does not
/// register one prospect twice.
pub fn active_in_org(
    conn: &mut DbConnection,
    org_id: &str,
    name_key: &str,
    domain_key: Option<&str>,
) -> QueryResult<Option<Registration>> {
    let mut query = registrations::table
        .filter(registrations::org_id.eq(org_id.to_owned()))
        .filter(registrations::status.eq_any(Status::strs(&Status::ACTIVE)))
        .select(Registration::as_select())
        .into_boxed();
    query = match domain_key {
        Some(d) => query.filter(
            registrations::name_key
                .eq(name_key.to_owned())
                .or(registrations::domain_key.eq(d.to_owned())),
        ),
        None => query.filter(registrations::name_key.eq(name_key.to_owned())),
    };
    query.first(conn).optional()
}

/// Approved registrations still protected at `now` but ending by `horizon`, that have not
/// had their reminder, soonest first.
pub fn ids_due_for_reminder(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    horizon: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<String>> {
    registrations::table
        .filter(registrations::status.eq(Status::Approved))
        .filter(registrations::protection_ends_at.gt(now))
        .filter(registrations::protection_ends_at.le(horizon))
        .filter(registrations::reminder_sent_at.is_null())
        .order((
            registrations::protection_ends_at.asc(),
            registrations::id.asc(),
        ))
        .limit(limit)
        .select(registrations::id)
        .load(conn)
}

/// What the API's change feed filters by.
pub struct ChangedQuery<'a> {
    pub status: Option<Status>,
    pub org_id: Option<&'a str>,
    /// Changed at or after this time.
    pub since: Option<NaiveDateTime>,
    /// Continue after this `(updated_at, id)`.
    pub after: Option<(NaiveDateTime, String)>,
    pub limit: i64,
}

/// Registrations in the order they last changed (oldest change first), keyset-paginated on
/// `(updated_at, id)`: a CRM sync remembers the last cursor and asks for what changed since.
pub fn changed(conn: &mut DbConnection, q: &ChangedQuery) -> QueryResult<Vec<Listed>> {
    use registrations as r;
    let mut query = r::table
        .inner_join(partner_orgs::table)
        .select((Registration::as_select(), partner_orgs::name))
        .into_boxed();
    if let Some(status) = q.status {
        query = query.filter(r::status.eq(status));
    }
    if let Some(org) = q.org_id {
        query = query.filter(r::org_id.eq(org.to_owned()));
    }
    if let Some(since) = q.since {
        query = query.filter(r::updated_at.ge(since));
    }
    if let Some((at, id)) = q.after.clone() {
        query = query
            .filter(r::updated_at.ge(at))
            .filter(r::updated_at.gt(at).or(r::id.gt(id)));
    }
    query
        .order((r::updated_at.asc(), r::id.asc()))
        .limit(q.limit)
        .load(conn)
}
