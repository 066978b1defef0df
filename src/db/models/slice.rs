//! Registrations in a dashboard slice (`domain::dashboard::Slice`) where no rollup holds
//! them: those expiring soon, and the ones disputes were raised about. A registration is in
//! the slice when its segment, its partner's tier now and its prospect's place match; all
//! three are the registration's own columns (the place copied from its details), so no
//! query here joins.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{partner_orgs, registrations};
use crate::db::{DbConnection, MAX_BINDS};
use crate::domain::dashboard::Slice;
use crate::domain::lifecycle::Status;
use crate::domain::org::Tier;
use crate::domain::policy::Segment;

/// Narrows a boxed query over `registrations` to the slice. The tier is its organisations'
/// ids: a few hundred, where a join would look up the organisation of every row.
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
        match $slice.places() {
            Some((crate::domain::territory::Kind::Geographic, places)) => {
                q = q.filter(registrations::country.eq_any(places))
            }
            Some((crate::domain::territory::Kind::Vertical, places)) => {
                q = q.filter(registrations::industry.eq_any(places))
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
    // The protection-end index holds every column a slice compares.
    let q = registrations::table.filter(expiring).count().into_boxed();
    in_slice!(q, slice).get_result(conn)
}

/// Which of the registrations `ids` are in the slice, `tier_of` telling each organisation's
/// tier. Read by id alone and compared here: with the slice in SQL, the planner may walk a
/// tier's every registration to find a few thousand ids.
pub fn members(
    conn: &mut DbConnection,
    ids: &[String],
    slice: &Slice,
    tier_of: &dyn Fn(&str) -> Option<Tier>,
) -> QueryResult<HashSet<String>> {
    type Row = (String, String, String, Option<String>, Option<String>);
    let mut found = HashSet::new();
    for chunk in ids.chunks(MAX_BINDS) {
        let rows: Vec<Row> = registrations::table
            .filter(registrations::id.eq_any(chunk))
            .select((
                registrations::id,
                registrations::org_id,
                registrations::segment,
                registrations::country,
                registrations::industry,
            ))
            .load(conn)?;
        for (id, org_id, segment, country, industry) in rows {
            let admitted = slice.admits(
                Segment::parse(&segment),
                tier_of(&org_id),
                country.as_deref().unwrap_or_default(),
                industry.as_deref().unwrap_or_default(),
            );
            if admitted {
                found.insert(id);
            }
        }
    }
    Ok(found)
}
