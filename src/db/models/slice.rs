//! Registrations in a dashboard slice (`domain::dashboard::Slice`) where no rollup holds
//! them: those expiring soon, and the ones disputes were raised about. A registration is in
//! the slice when its segment, its partner's tier now and its prospect's place match.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{partner_orgs, registration_details, registrations};
use crate::db::{DbConnection, MAX_BINDS};
use crate::domain::dashboard::Slice;
use crate::domain::lifecycle::Status;

/// Narrows a boxed query over `registrations` (joined to `registration_details` when the
/// slice has a territory) to the slice. The tier is its organisations' ids: a few hundred,
/// where a join would look up the organisation of every row.
macro_rules! in_slice {
    ($q:expr, $slice:expr) => {{
        let mut q = $q;
        if let Some(s) = $slice.segment {
            q = q.filter(registrations::segment.eq(s.as_str()));
        }
        if let Some(t) = $slice.tier {
            q = q.filter(
                registrations::org_id.eq_any(
                    partner_orgs::table
                        .filter(partner_orgs::tier.eq(t.as_str()))
                        .select(partner_orgs::id),
                ),
            );
        }
        q
    }};
}

/// Narrows a boxed query over `registrations` joined to `registration_details` to the
/// slice's territory.
macro_rules! in_places {
    ($q:expr, $slice:expr) => {{
        let mut q = $q;
        match $slice.places() {
            Some((crate::domain::territory::Kind::Geographic, places)) => {
                q = q.filter(registration_details::country.eq_any(places))
            }
            Some((crate::domain::territory::Kind::Vertical, places)) => {
                q = q.filter(registration_details::industry.eq_any(places))
            }
            None => {}
        }
        q
    }};
}

/// Approved registrations of the slice whose protection ends after `from` and by `until`:
/// what the dashboard calls "expiring soon" (the protection-end index, then the status).
pub fn count_expiring_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
    slice: &Slice,
) -> QueryResult<i64> {
    let expiring = registrations::protection_ends_at
        .gt(from)
        .and(registrations::protection_ends_at.le(until))
        .and(registrations::status.eq(Status::Approved));
    if slice.territory.is_none() {
        // No join: the protection-end index, then the row's own columns.
        let q = registrations::table.filter(expiring).count().into_boxed();
        return in_slice!(q, slice).get_result(conn);
    }
    let q = registrations::table
        .inner_join(registration_details::table)
        .filter(expiring)
        .count()
        .into_boxed();
    in_places!(in_slice!(q, slice), slice).get_result(conn)
}

/// Which of the registrations `ids` are in the slice.
pub fn members(
    conn: &mut DbConnection,
    ids: &[String],
    slice: &Slice,
) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    // Leave room for the slice's own binds (a territory's places).
    for chunk in ids.chunks(MAX_BINDS / 2) {
        let q = registrations::table
            .inner_join(registration_details::table)
            .filter(registrations::id.eq_any(chunk))
            .select(registrations::id)
            .into_boxed();
        found.extend(in_places!(in_slice!(q, slice), slice).load::<String>(conn)?);
    }
    Ok(found)
}
