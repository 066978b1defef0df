//! Compensation rule versions, the compensation recorded for each deal closed won, and the
//! credits it produced. The newest rule version is in force; closed deals keep theirs.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::versions::{self, Version, versioned_in};
use crate::db::DbConnection;
use crate::db::schema::{
    credits, deal_compensations, partner_orgs, registration_details, registrations, users,
};
use crate::domain::compensation::{Beneficiary, Credit, CreditKind, Rules};
use crate::domain::dashboard::Slice;
use crate::domain::territory::Kind;
use crate::ids::new_id;

/// A saved rules version (`value` is the rules).
pub type RulesVersion = Version<Rules>;

versioned_in!(Rules, compensation_rule_versions, "compensation rules");

/// The rules in force. Version 1 (the defaults) is written at start-up.
pub fn current(conn: &mut DbConnection) -> QueryResult<RulesVersion> {
    versions::current(conn)
}

/// Every version, newest first.
pub fn history(conn: &mut DbConnection) -> QueryResult<Vec<RulesVersion>> {
    versions::history(conn)
}

/// Saves `rules` as the next version; a concurrent save loses with a unique violation.
pub fn insert(
    conn: &mut DbConnection,
    rules: &Rules,
    created_by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    versions::insert(conn, rules, created_by, now)
}

/// Writes the default rules as version 1 if there are none yet; safe to race.
pub fn ensure_initial(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    versions::ensure_initial::<Rules>(conn, now)
}

/// How a closed deal was compensated.
#[derive(Debug, Clone, Queryable)]
pub struct DealCompensation {
    pub registration_id: String,
    pub rules_version: i64,
    pub within_window: i32,
    pub double_credit: i32,
    pub computed_at: NaiveDateTime,
}

impl DealCompensation {
    pub fn within_window(&self) -> bool {
        self.within_window != 0
    }
}

/// Records a deal's compensation and its credits; called inside the close's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one close's compensation, all stored together"
)]
pub fn record(
    conn: &mut DbConnection,
    registration_id: &str,
    currency: &str,
    rules_version: i64,
    within_window: bool,
    double_credit: bool,
    lines: &[Credit],
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(deal_compensations::table)
        .values((
            deal_compensations::registration_id.eq(registration_id),
            deal_compensations::rules_version.eq(rules_version),
            deal_compensations::within_window.eq(i32::from(within_window)),
            deal_compensations::double_credit.eq(i32::from(double_credit)),
            deal_compensations::computed_at.eq(now),
        ))
        .execute(conn)?;
    // What the dashboard's slices filter credits by, copied from the deal onto each credit,
    // so a period's credits of a slice are read from one index.
    let (segment, partner_org_id): (String, String) = registrations::table
        .find(registration_id)
        .select((registrations::segment, registrations::org_id))
        .first(conn)?;
    let (country, industry): (String, String) = registration_details::table
        .find(registration_id)
        .select((
            registration_details::country,
            registration_details::industry,
        ))
        .first(conn)?;
    for c in lines {
        let (org_id, user_id) = match &c.beneficiary {
            Beneficiary::Org(o) => (Some(o.as_str()), None),
            Beneficiary::Rep(u) => (None, Some(u.as_str())),
        };
        diesel::insert_into(credits::table)
            .values((
                credits::id.eq(new_id()),
                credits::registration_id.eq(registration_id),
                credits::kind.eq(c.kind),
                credits::org_id.eq(org_id),
                credits::user_id.eq(user_id),
                credits::bp.eq(c.bp),
                credits::amount_minor.eq(c.amount_minor),
                credits::currency.eq(currency),
                credits::rules_version.eq(rules_version),
                credits::created_at.eq(now),
                credits::segment.eq(&segment),
                credits::partner_org_id.eq(&partner_org_id),
                credits::country.eq(&country),
                credits::industry.eq(&industry),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    registration_id: &str,
) -> QueryResult<Option<DealCompensation>> {
    deal_compensations::table
        .find(registration_id)
        .first(conn)
        .optional()
}

/// A stored credit with what the pages show beside it.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub id: String,
    pub registration_id: String,
    pub kind: CreditKind,
    pub org_id: Option<String>,
    pub user_id: Option<String>,
    pub bp: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub rules_version: i64,
    pub created_at: NaiveDateTime,
    pub company_name: String,
    pub deal_amount_minor: Option<i64>,
    pub close_date: Option<NaiveDate>,
    pub org_name: Option<String>,
    pub user_name: Option<String>,
}

impl Listed {
    pub fn kind(&self) -> CreditKind {
        self.kind
    }
}

/// Who sees which credits: a partner its organisation's, a rep their own, an admin all.
pub enum Whose<'a> {
    Org(&'a str),
    User(&'a str),
    Registration(&'a str),
    All,
}

/// The credits a page shows, newest first (at most 5,000; the admin's export reads every
/// one with [`list_page`]).
pub fn list(conn: &mut DbConnection, whose: Whose) -> QueryResult<Vec<Listed>> {
    list_page(conn, whose, None, 5000)
}

/// Where a list of credits continues: the last row's time and id.
pub type Cursor = (NaiveDateTime, String);

/// One page of credits, newest first, after `after` (keyset on the time and id, over the
/// `credits_created` index).
pub fn list_page(
    conn: &mut DbConnection,
    whose: Whose,
    after: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    let mut q = credits::table
        .inner_join(registrations::table)
        .left_join(partner_orgs::table.on(partner_orgs::id.nullable().eq(credits::org_id)))
        .left_join(users::table.on(users::id.nullable().eq(credits::user_id)))
        .select((
            credits::id,
            credits::registration_id,
            credits::kind,
            credits::org_id,
            credits::user_id,
            credits::bp,
            credits::amount_minor,
            credits::currency,
            credits::rules_version,
            credits::created_at,
            registrations::company_name,
            registrations::close_amount_minor,
            registrations::close_date,
            partner_orgs::name.nullable(),
            users::name.nullable(),
        ))
        .into_boxed();
    q = match whose {
        Whose::Org(o) => q.filter(credits::org_id.eq(o)),
        Whose::User(u) => q.filter(credits::user_id.eq(u)),
        Whose::Registration(r) => q.filter(credits::registration_id.eq(r)),
        Whose::All => q,
    };
    if let Some((at, id)) = after {
        q = q
            .filter(credits::created_at.le(*at))
            .filter(credits::created_at.lt(*at).or(credits::id.lt(id.clone())));
    }
    q.order((credits::created_at.desc(), credits::id.desc()))
        .limit(limit)
        .load(conn)
}

/// A won deal of a partner organisation, with how it was compensated.
#[derive(Debug, Clone, Queryable)]
pub struct WonDeal {
    pub registration_id: String,
    pub company_name: String,
    pub currency: String,
    pub close_amount_minor: Option<i64>,
    pub close_date: Option<NaiveDate>,
    pub protection_ends_at: Option<NaiveDateTime>,
    pub rules_version: Option<i64>,
    pub within_window: Option<i32>,
}

pub fn won_in_org(conn: &mut DbConnection, org_id: &str) -> QueryResult<Vec<WonDeal>> {
    registrations::table
        .left_join(deal_compensations::table)
        .filter(registrations::org_id.eq(org_id))
        .filter(registrations::status.eq("won"))
        .select((
            registrations::id,
            registrations::company_name,
            registrations::currency,
            registrations::close_amount_minor,
            registrations::close_date,
            registrations::protection_ends_at,
            deal_compensations::rules_version.nullable(),
            deal_compensations::within_window.nullable(),
        ))
        .order((registrations::closed_at.desc(), registrations::id))
        .limit(5000)
        .load(conn)
}

/// Credits given from `from` until before `until` (the close that produced them), of deals
/// in `segment` or all, summed by kind and currency: (kind, currency, credits, amount in
/// minor units). Summed here rather than in SQL because the backends type a sum of BIGINT
/// differently; for all segments the index on (created_at, kind, currency, amount_minor)
/// serves the rows without reading the table.
pub fn given_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
    slice: &Slice,
) -> QueryResult<Vec<(CreditKind, String, i64, i64)>> {
    // Summed by SQL from the one index that holds every column here: a year of credits at a
    // million registrations is tens of thousands of rows, which PostgreSQL sums in half the
    // time it takes to send them.
    let mut q = credits::table
        .filter(credits::created_at.ge(from))
        .filter(credits::created_at.lt(until))
        .group_by((credits::kind, credits::currency))
        .select((
            credits::kind,
            credits::currency,
            diesel::dsl::count_star(),
            diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "CAST(COALESCE(SUM(credits.amount_minor), 0) AS BIGINT)",
            ),
        ))
        .into_boxed();
    if let Some(s) = slice.segment {
        q = q.filter(credits::segment.eq(s.as_str()));
    }
    if let Some(t) = slice.tier {
        q = q.filter(
            credits::partner_org_id.eq_any(
                partner_orgs::table
                    .filter(partner_orgs::tier.eq(t.as_str()))
                    .select(partner_orgs::id.nullable()),
            ),
        );
    }
    match slice.places() {
        Some((Kind::Geographic, places)) => q = q.filter(credits::country.eq_any(places)),
        Some((Kind::Vertical, places)) => q = q.filter(credits::industry.eq_any(places)),
        None => {}
    }
    let rows: Vec<(CreditKind, String, i64, i64)> = q.load(conn)?;
    let mut sums: std::collections::BTreeMap<(usize, String), (CreditKind, i64, i64)> =
        Default::default();
    for (kind, currency, n, amount) in rows {
        let at = CreditKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        let e = sums.entry((at, currency)).or_insert((kind, 0, 0));
        e.1 += n;
        e.2 += amount;
    }
    Ok(sums
        .into_iter()
        .map(|((_, currency), (kind, n, amount))| (kind, currency, n, amount))
        .collect())
}
