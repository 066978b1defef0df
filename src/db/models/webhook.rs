//! Webhook endpoints, their events and deliveries, and the delivery log. A delivery is
//! claimed with a conditional update and a lease, as an email is (`outbox`), so one event
//! is never sent to one endpoint by two workers (or instances) at the same time.

use chrono::{NaiveDateTime, SubsecRound};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};
use crate::domain::code::text_enum;
use crate::domain::webhook::EndpointFields;

text_enum! {
    /// Where one event stands for one endpoint.
    pub enum DeliveryStatus {
        Queued,
        /// Claimed by a worker that is sending it now.
        Sending,
        Delivered,
        /// The last attempt failed; tried again at `next_attempt_at`.
        Retrying,
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub secret_sealed: String,
    pub previous_secret_sealed: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Endpoint {
    pub fn listens_to(&self, event_type: &str) -> bool {
        self.event_types.split(' ').any(|t| t == event_type)
    }

    pub fn event_type_list(&self) -> Vec<&str> {
        self.event_types
            .split(' ')
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The previous secret while it still signs (the day after a rotation).
    pub fn previous_secret(&self, now: NaiveDateTime) -> Option<&str> {
        match (&self.previous_secret_sealed, self.previous_secret_until) {
            (Some(sealed), Some(until)) if now < until => Some(sealed),
            _ => None,
        }
    }
}

pub fn insert_endpoint(
    conn: &mut DbConnection,
    id: &str,
    fields: &EndpointFields,
    secret_sealed: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(id),
            webhook_endpoints::url.eq(&fields.url),
            webhook_endpoints::description.eq(&fields.description),
            webhook_endpoints::event_types.eq(fields.event_types_stored()),
            webhook_endpoints::secret_sealed.eq(secret_sealed),
            webhook_endpoints::enabled.eq(true),
            webhook_endpoints::created_at.eq(now),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// An admin's edit. Turning an endpoint on again forgets why it was off and how long it
/// had been failing, so it gets three fresh days.
pub fn update_endpoint(
    conn: &mut DbConnection,
    id: &str,
    fields: &EndpointFields,
    enabled: bool,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let target = webhook_endpoints::table.find(id);
    let n = diesel::update(target)
        .set((
            webhook_endpoints::url.eq(&fields.url),
            webhook_endpoints::description.eq(&fields.description),
            webhook_endpoints::event_types.eq(fields.event_types_stored()),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    if enabled {
        diesel::update(target.filter(webhook_endpoints::enabled.eq(false)))
            .set((
                webhook_endpoints::enabled.eq(true),
                webhook_endpoints::disabled_reason.eq(None::<String>),
                webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    } else {
        diesel::update(target)
            .set((
                webhook_endpoints::enabled.eq(false),
                webhook_endpoints::disabled_reason.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok(n == 1)
}

/// A new signing secret; the current one keeps signing until `previous_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: &str,
    new_sealed: &str,
    previous_sealed: &str,
    previous_until: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::secret_sealed.eq(new_sealed),
            webhook_endpoints::previous_secret_sealed.eq(previous_sealed),
            webhook_endpoints::previous_secret_until.eq(previous_until),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn find_endpoint(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Endpoint>> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()
}

pub fn list_endpoints(conn: &mut DbConnection) -> QueryResult<Vec<Endpoint>> {
    webhook_endpoints::table
        .order((
            webhook_endpoints::created_at.asc(),
            webhook_endpoints::id.asc(),
        ))
        .select(Endpoint::as_select())
        .load(conn)
}

/// The endpoints events are written for, and the event types each listens to: the enabled
/// ones, and those Truce turned off for failing (their events wait for them to be turned on
/// again). One an admin turned off gets none.
pub fn listening(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    webhook_endpoints::table
        .filter(
            webhook_endpoints::enabled
                .eq(true)
                .or(webhook_endpoints::disabled_reason.is_not_null()),
        )
        .select((webhook_endpoints::id, webhook_endpoints::event_types))
        .load(conn)
}

/// Notes a failed attempt; returns since when the endpoint has been failing.
pub fn note_failure(
    conn: &mut DbConnection,
    id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::failing_since.is_null()),
    )
    .set(webhook_endpoints::failing_since.eq(now))
    .execute(conn)?;
    webhook_endpoints::table
        .find(id)
        .select(webhook_endpoints::failing_since)
        .first(conn)
        .optional()
        .map(Option::flatten)
}

pub fn note_success(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::failing_since.is_not_null()),
    )
    .set(webhook_endpoints::failing_since.eq(None::<NaiveDateTime>))
    .execute(conn)?;
    Ok(())
}

/// Turns off an endpoint that kept failing; false if it was already off (so the admins are
/// told once).
pub fn disable_failing(
    conn: &mut DbConnection,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::enabled.eq(true)),
    )
    .set((
        webhook_endpoints::enabled.eq(false),
        webhook_endpoints::disabled_reason.eq(reason),
        webhook_endpoints::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// One event, with a delivery to each endpoint that listens to it.
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    pub subject_id: &'a str,
    pub payload: &'a str,
}

pub fn insert_event(
    conn: &mut DbConnection,
    event: &NewEvent,
    endpoint_ids: &[&str],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::id.eq(event.id),
            webhook_events::event_type.eq(event.event_type),
            webhook_events::subject_id.eq(event.subject_id),
            webhook_events::payload.eq(event.payload),
            webhook_events::created_at.eq(now),
        ))
        .execute(conn)?;
    let rows: Vec<_> = endpoint_ids
        .iter()
        .map(|endpoint_id| {
            (
                webhook_deliveries::id.eq(crate::ids::new_id()),
                webhook_deliveries::event_id.eq(event.id),
                webhook_deliveries::endpoint_id.eq(*endpoint_id),
                webhook_deliveries::status.eq(DeliveryStatus::Queued),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(now),
                webhook_deliveries::created_at.eq(now),
            )
        })
        .collect();
    crate::db::insert_rows(conn, webhook_deliveries::table, 7, rows)?;
    Ok(())
}

/// A claimed delivery with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery_id: String,
    pub attempts: i32,
    pub event_id: String,
    pub event_type: String,
    pub payload: String,
    pub endpoint: Endpoint,
    /// The claim's token: the `mark_*` updates apply only while it is this worker's.
    pub lease: NaiveDateTime,
}

type Due = Box<
    dyn BoxableExpression<
            webhook_deliveries::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Bool,
        >,
>;

/// Deliveries due for an attempt: queued or retrying and due, or claimed by a worker whose
/// lease ran out (it stopped mid-delivery). Those of a disabled endpoint wait for it to be
/// turned on again.
fn is_due(now: NaiveDateTime) -> Due {
    Box::new(
        webhook_deliveries::status
            .eq_any([DeliveryStatus::Queued, DeliveryStatus::Retrying])
            .and(webhook_deliveries::next_attempt_at.le(now))
            .or(webhook_deliveries::status
                .eq(DeliveryStatus::Sending)
                .and(webhook_deliveries::claimed_until.lt(now).assume_not_null())),
    )
}

/// The ids of the `limit` deliveries due first ([`is_due`]) to enabled endpoints, from the
/// start of each status's index range (`webhook_deliveries_due`): asked as one `OR`, the
/// database gathered every due delivery and sorted them, so a backlog took quadratic time
/// to drain (as the email outbox did, `outbox::claim_next`).
fn first_due(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    use webhook_deliveries as d;
    let enabled = || {
        webhook_endpoints::table
            .filter(webhook_endpoints::enabled.eq(true))
            .select(webhook_endpoints::id)
    };
    let mut firsts: Vec<(NaiveDateTime, String)> = Vec::new();
    for status in [DeliveryStatus::Queued, DeliveryStatus::Retrying] {
        firsts.extend(
            d::table
                .filter(d::status.eq(status))
                .filter(d::next_attempt_at.le(now))
                .filter(d::endpoint_id.eq_any(enabled()))
                .order(d::next_attempt_at.asc())
                .select((d::next_attempt_at, d::id))
                .limit(limit)
                .load::<(NaiveDateTime, String)>(conn)?,
        );
    }
    // Claimed by a worker whose lease ran out: a few at most.
    firsts.extend(
        d::table
            .filter(d::status.eq(DeliveryStatus::Sending))
            .filter(d::claimed_until.lt(now))
            .filter(d::endpoint_id.eq_any(enabled()))
            .order(d::next_attempt_at.asc())
            .select((d::next_attempt_at, d::id))
            .limit(limit)
            .load::<(NaiveDateTime, String)>(conn)?,
    );
    // Deliveries due at the same moment are claimed in the order they were queued (their ids
    // are time-ordered). A batch is then sent at once, so a receiver may still see two of
    // them in either order: Standard Webhooks promises no order, and events carry their time.
    firsts.sort();
    Ok(firsts
        .into_iter()
        .take(limit as usize)
        .map(|(_, id)| id)
        .collect())
}

/// Claims up to `limit` due deliveries for this worker until `lease`, oldest due first.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    // Microseconds: what both databases keep, so the lease compares equal when read back.
    let lease = lease.trunc_subsecs(6);
    let candidates = first_due(conn, now, limit)?;
    let mut won = Vec::with_capacity(candidates.len());
    for id in candidates {
        // Another worker may have taken it since the read: the condition says again.
        let n = diesel::update(webhook_deliveries::table.find(&id).filter(is_due(now)))
            .set((
                webhook_deliveries::status.eq(DeliveryStatus::Sending),
                webhook_deliveries::claimed_until.eq(lease),
            ))
            .execute(conn)?;
        if n == 1 {
            won.push(id);
        }
    }
    if won.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, i32, String, String, String, Endpoint)> = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq_any(&won))
        .order((
            webhook_deliveries::next_attempt_at.asc(),
            webhook_deliveries::id.asc(),
        ))
        .select((
            webhook_deliveries::id,
            webhook_deliveries::attempts,
            webhook_events::id,
            webhook_events::event_type,
            webhook_events::payload,
            Endpoint::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(delivery_id, attempts, event_id, event_type, payload, endpoint)| Claimed {
                delivery_id,
                attempts,
                event_id,
                event_type,
                payload,
                endpoint,
                lease,
            },
        )
        .collect())
}

fn held(
    id: &str,
    lease: NaiveDateTime,
) -> Box<
    dyn BoxableExpression<
            webhook_deliveries::table,
            crate::db::MultiBackend,
            SqlType = diesel::sql_types::Bool,
        >,
> {
    Box::new(
        webhook_deliveries::id
            .eq(id.to_owned())
            .and(webhook_deliveries::status.eq(DeliveryStatus::Sending))
            .and(
                webhook_deliveries::claimed_until
                    .eq(lease)
                    .assume_not_null(),
            ),
    )
}

pub fn mark_delivered(
    conn: &mut DbConnection,
    id: &str,
    lease: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(webhook_deliveries::table.filter(held(id, lease)))
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Delivered),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::delivered_at.eq(now),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn mark_retry(
    conn: &mut DbConnection,
    id: &str,
    lease: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(webhook_deliveries::table.filter(held(id, lease)))
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Retrying),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::next_attempt_at.eq(next_attempt_at),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The endpoint and status of a delivery.
pub fn find_delivery(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(String, DeliveryStatus)>> {
    webhook_deliveries::table
        .find(id)
        .select((webhook_deliveries::endpoint_id, webhook_deliveries::status))
        .first(conn)
        .optional()
}

/// An admin's "redeliver": the event goes to the endpoint again with the next run, even if
/// it was delivered. False if it is being sent right now, or is not this endpoint's.
pub fn redeliver(
    conn: &mut DbConnection,
    id: &str,
    endpoint_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        webhook_deliveries::table
            .find(id)
            .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
            .filter(webhook_deliveries::status.ne(DeliveryStatus::Sending)),
    )
    .set((
        webhook_deliveries::status.eq(DeliveryStatus::Queued),
        webhook_deliveries::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Forgets what is older than `before`: attempts, the deliveries that were delivered and
/// have no attempt left, and the events no delivery needs any more. Events still waiting for
/// an endpoint are kept, however old. Returns how many attempts were removed.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    let attempts =
        diesel::delete(webhook_attempts::table.filter(webhook_attempts::attempted_at.lt(before)))
            .execute(conn)?;
    let logged = webhook_attempts::table.select(webhook_attempts::delivery_id);
    diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Delivered))
            .filter(webhook_deliveries::delivered_at.lt(before))
            .filter(webhook_deliveries::id.ne_all(logged)),
    )
    .execute(conn)?;
    let needed = webhook_deliveries::table.select(webhook_deliveries::event_id);
    diesel::delete(
        webhook_events::table
            .filter(webhook_events::created_at.lt(before))
            .filter(webhook_events::id.ne_all(needed)),
    )
    .execute(conn)?;
    Ok(attempts)
}

/// One attempt, for the delivery log.
pub struct NewAttempt<'a> {
    pub delivery_id: &'a str,
    pub endpoint_id: &'a str,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub response_excerpt: &'a str,
    pub error: Option<&'a str>,
}

pub fn insert_attempt(conn: &mut DbConnection, a: &NewAttempt) -> QueryResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(crate::ids::new_id()),
            webhook_attempts::delivery_id.eq(a.delivery_id),
            webhook_attempts::endpoint_id.eq(a.endpoint_id),
            webhook_attempts::attempted_at.eq(a.attempted_at),
            webhook_attempts::status_code.eq(a.status_code),
            webhook_attempts::latency_ms.eq(a.latency_ms),
            webhook_attempts::response_excerpt.eq(a.response_excerpt),
            webhook_attempts::error.eq(a.error),
        ))
        .execute(conn)?;
    Ok(())
}

/// A line of the delivery log.
#[derive(Debug, Clone, Queryable)]
pub struct LoggedAttempt {
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub response_excerpt: String,
    pub error: Option<String>,
    pub delivery_id: String,
    pub delivery_status: DeliveryStatus,
    pub event_id: String,
    pub event_type: String,
}

impl LoggedAttempt {
    pub fn delivered(&self) -> bool {
        self.status_code
            .is_some_and(|s| crate::domain::webhook::is_delivered(s as u16))
    }
}

/// The endpoint's latest attempts, newest first.
pub fn log(
    conn: &mut DbConnection,
    endpoint_id: &str,
    limit: i64,
) -> QueryResult<Vec<LoggedAttempt>> {
    webhook_attempts::table
        .inner_join(webhook_deliveries::table.inner_join(webhook_events::table))
        .filter(webhook_attempts::endpoint_id.eq(endpoint_id))
        .order((
            webhook_attempts::attempted_at.desc(),
            webhook_attempts::id.desc(),
        ))
        .limit(limit)
        .select((
            webhook_attempts::attempted_at,
            webhook_attempts::status_code,
            webhook_attempts::latency_ms,
            webhook_attempts::response_excerpt,
            webhook_attempts::error,
            webhook_deliveries::id,
            webhook_deliveries::status,
            webhook_events::id,
            webhook_events::event_type,
        ))
        .load(conn)
}

/// An event waiting for this endpoint (never tried, or to be tried again).
#[derive(Debug, Clone, Queryable)]
pub struct Waiting {
    pub delivery_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub event_id: String,
    pub event_type: String,
    pub created_at: NaiveDateTime,
}

/// How many events wait for the endpoint, and the oldest `limit` of them.
pub fn waiting(
    conn: &mut DbConnection,
    endpoint_id: &str,
    limit: i64,
) -> QueryResult<(i64, Vec<Waiting>)> {
    let pending = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::status.ne(DeliveryStatus::Delivered));
    let count = pending.count().get_result(conn)?;
    let rows = pending
        .inner_join(webhook_events::table)
        .order(webhook_deliveries::created_at.asc())
        .limit(limit)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::status,
            webhook_deliveries::attempts,
            webhook_deliveries::next_attempt_at,
            webhook_events::id,
            webhook_events::event_type,
            webhook_deliveries::created_at,
        ))
        .load(conn)?;
    Ok((count, rows))
}

/// The latest attempt to reach an endpoint.
#[derive(Debug, Clone, Queryable)]
pub struct LastAttempt {
    pub at: NaiveDateTime,
    pub status_code: Option<i32>,
}

/// An endpoint's state for the list: events waiting, and the latest attempt.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub waiting: i64,
    pub last: Option<LastAttempt>,
}

/// Each endpoint's [`Summary`], by endpoint id.
pub fn summaries(
    conn: &mut DbConnection,
) -> QueryResult<std::collections::HashMap<String, Summary>> {
    let mut out = std::collections::HashMap::new();
    for endpoint in list_endpoints(conn)? {
        let waiting: i64 = webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(&endpoint.id))
            .filter(webhook_deliveries::status.ne(DeliveryStatus::Delivered))
            .count()
            .get_result(conn)?;
        let last = webhook_attempts::table
            .filter(webhook_attempts::endpoint_id.eq(&endpoint.id))
            .order(webhook_attempts::attempted_at.desc())
            .select((
                webhook_attempts::attempted_at,
                webhook_attempts::status_code,
            ))
            .first(conn)
            .optional()?;
        out.insert(endpoint.id, Summary { waiting, last });
    }
    Ok(out)
}
