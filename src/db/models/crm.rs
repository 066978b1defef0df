//! CRM accounts and the direct sales pipeline: what a registration is checked against for
//! reserved accounts and active direct engagement. Every write keeps the account's matching
//! keys (`prospect_key`) in step with its name and website.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::prospect_key;
use crate::db::schema::{crm_accounts, direct_opportunities};
use crate::db::{self, DbConnection};
use crate::domain::crm_import::AccountRow;
use crate::domain::matching::Profile;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crm_accounts)]
pub struct Account {
    pub id: String,
    pub external_id: Option<String>,
    pub name: String,
    pub name_key: String,
    pub domain_key: Option<String>,
    pub owner_email: Option<String>,
    pub named_account: bool,
    pub reserved_for_direct: bool,
    pub website: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
}

impl Account {
    /// What the matching engine compares this account by.
    pub fn profile(&self) -> Profile {
        prospect_key::account_profile(
            &self.name,
            self.website.as_deref(),
            self.domain_key.as_deref(),
        )
    }

    /// Named accounts and accounts flagged for direct sales cannot be registered.
    pub fn is_reserved(&self) -> bool {
        self.named_account || self.reserved_for_direct
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = direct_opportunities)]
pub struct Opportunity {
    pub id: String,
    pub account_id: String,
    pub owner_email: String,
    pub stage: String,
    pub amount_minor: i64,
    pub currency: String,
    pub last_activity_on: NaiveDate,
}

pub struct NewAccount<'a> {
    pub external_id: Option<&'a str>,
    pub name: &'a str,
    pub website: Option<&'a str>,
    pub domain_key: Option<&'a str>,
    pub owner_email: Option<&'a str>,
    pub named_account: bool,
    pub reserved_for_direct: bool,
}

pub fn insert_account(
    conn: &mut DbConnection,
    a: &NewAccount,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = crate::ids::new_id();
    let key = crate::domain::prospect::name_key(a.name);
    diesel::insert_into(crm_accounts::table)
        .values((
            crm_accounts::id.eq(&id),
            crm_accounts::external_id.eq(a.external_id),
            crm_accounts::name.eq(a.name),
            crm_accounts::website.eq(a.website),
            crm_accounts::name_key.eq(&key),
            crm_accounts::domain_key.eq(a.domain_key),
            crm_accounts::owner_email.eq(a.owner_email),
            crm_accounts::named_account.eq(a.named_account),
            crm_accounts::reserved_for_direct.eq(a.reserved_for_direct),
            crm_accounts::created_at.eq(now),
            crm_accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    let profile = prospect_key::account_profile(a.name, a.website, a.domain_key);
    prospect_key::insert(conn, &[(prospect_key::Kind::Account, &id, &profile)])?;
    Ok(id)
}

pub struct NewOpportunity<'a> {
    pub account_id: &'a str,
    pub owner_email: &'a str,
    pub stage: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub last_activity_on: NaiveDate,
}

pub fn insert_opportunity(
    conn: &mut DbConnection,
    o: &NewOpportunity,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let id = crate::ids::new_id();
    diesel::insert_into(direct_opportunities::table)
        .values((
            direct_opportunities::id.eq(&id),
            direct_opportunities::account_id.eq(o.account_id),
            direct_opportunities::owner_email.eq(o.owner_email),
            direct_opportunities::stage.eq(o.stage),
            direct_opportunities::amount_minor.eq(o.amount_minor),
            direct_opportunities::currency.eq(o.currency),
            direct_opportunities::last_activity_on.eq(o.last_activity_on),
            direct_opportunities::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Accounts with any of these name keys or domain keys (at most `limit` of each kind, in id
/// order): the exact-key searches of many prospects in two queries.
pub fn by_exact(
    conn: &mut DbConnection,
    name_keys: &[String],
    domain_keys: &[String],
    limit: i64,
) -> QueryResult<Vec<Account>> {
    let mut rows = crm_accounts::table
        .filter(crm_accounts::name_key.eq_any(name_keys))
        .select(Account::as_select())
        .order(crm_accounts::id.asc())
        .limit(limit)
        .load(conn)?;
    if !domain_keys.is_empty() {
        rows.extend(
            crm_accounts::table
                .filter(crm_accounts::domain_key.eq_any(domain_keys))
                .select(Account::as_select())
                .order(crm_accounts::id.asc())
                .limit(limit)
                .load::<Account>(conn)?,
        );
    }
    Ok(rows)
}

/// Opportunities on these accounts with activity on or after `since`: active engagement.
pub fn active_opportunities(
    conn: &mut DbConnection,
    account_ids: &[String],
    since: NaiveDate,
) -> QueryResult<Vec<Opportunity>> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    direct_opportunities::table
        .filter(direct_opportunities::account_id.eq_any(account_ids))
        .filter(direct_opportunities::last_activity_on.ge(since))
        .order(direct_opportunities::last_activity_on.desc())
        .select(Opportunity::as_select())
        .load(conn)
}

pub fn find_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    crm_accounts::table
        .filter(crm_accounts::id.eq_any(ids))
        .select(Account::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Account>> {
    crm_accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .optional()
}

/// Every opportunity on an account, most recent activity first.
pub fn opportunities_of(
    conn: &mut DbConnection,
    account_id: &str,
) -> QueryResult<Vec<Opportunity>> {
    direct_opportunities::table
        .filter(direct_opportunities::account_id.eq(account_id))
        .order((
            direct_opportunities::last_activity_on.desc(),
            direct_opportunities::id.desc(),
        ))
        .select(Opportunity::as_select())
        .load(conn)
}

/// Records activity on an opportunity its owner works; `None` when there is no such
/// opportunity of this owner, else the account it is on.
pub fn record_activity(
    conn: &mut DbConnection,
    opportunity_id: &str,
    owner_email: &str,
    on: NaiveDate,
) -> QueryResult<Option<String>> {
    let n = diesel::update(
        direct_opportunities::table
            .filter(direct_opportunities::id.eq(opportunity_id))
            .filter(direct_opportunities::owner_email.eq(owner_email)),
    )
    .set(direct_opportunities::last_activity_on.eq(on))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    direct_opportunities::table
        .find(opportunity_id)
        .select(direct_opportunities::account_id)
        .first(conn)
        .optional()
}

#[derive(Insertable)]
#[diesel(table_name = crm_accounts, treat_none_as_default_value = false)]
struct AccountInsert<'a> {
    id: &'a str,
    external_id: Option<&'a str>,
    name: &'a str,
    name_key: String,
    domain_key: Option<&'a str>,
    website: Option<&'a str>,
    country: Option<&'a str>,
    industry: Option<&'a str>,
    owner_email: Option<&'a str>,
    named_account: bool,
    reserved_for_direct: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Values an [`AccountInsert`] binds: how many rows fit in one statement (`db::insert_rows`).
const INSERT_COLUMNS: usize = 13;

/// The accounts with these external ids, in one query.
pub fn by_external_ids(
    conn: &mut DbConnection,
    external_ids: &[&str],
) -> QueryResult<Vec<Account>> {
    if external_ids.is_empty() {
        return Ok(Vec::new());
    }
    crm_accounts::table
        .filter(crm_accounts::external_id.eq_any(external_ids))
        .select(Account::as_select())
        .load(conn)
}

/// Stores many accounts with multi-row inserts, and their matching keys in one
/// `prospect_key::insert`. Returns the new ids, in the order of `rows`.
pub fn insert_imported(
    conn: &mut DbConnection,
    rows: &[&AccountRow],
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let ids: Vec<String> = rows.iter().map(|_| crate::ids::new_id()).collect();
    let values: Vec<AccountInsert> = rows
        .iter()
        .zip(&ids)
        .map(|(r, id)| {
            let key = crate::domain::prospect::name_key(&r.name);
            AccountInsert {
                id,
                external_id: Some(&r.external_id),
                name: &r.name,
                name_key: key,
                domain_key: r.domain_key.as_deref(),
                website: r.website.as_deref(),
                country: r.country.as_deref(),
                industry: r.industry.as_deref(),
                owner_email: r.owner_email.as_deref(),
                named_account: r.named_account,
                reserved_for_direct: r.reserved_for_direct,
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    db::insert_rows(conn, crm_accounts::table, INSERT_COLUMNS, values)?;
    let profiles: Vec<Profile> = rows
        .iter()
        .map(|r| {
            prospect_key::account_profile(&r.name, r.website.as_deref(), r.domain_key.as_deref())
        })
        .collect();
    let records: Vec<(prospect_key::Kind, &str, &Profile)> = ids
        .iter()
        .zip(&profiles)
        .map(|(id, p)| (prospect_key::Kind::Account, id.as_str(), p))
        .collect();
    prospect_key::insert(conn, &records)?;
    Ok(ids)
}

/// Writes an imported row over an account, and replaces its matching keys when its name or
/// website changed.
pub fn update_imported(
    conn: &mut DbConnection,
    before: &Account,
    after: &AccountRow,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let key = crate::domain::prospect::name_key(&after.name);
    diesel::update(crm_accounts::table.filter(crm_accounts::id.eq(&before.id)))
        .set((
            crm_accounts::name.eq(&after.name),
            crm_accounts::name_key.eq(&key),
            crm_accounts::website.eq(&after.website),
            crm_accounts::domain_key.eq(&after.domain_key),
            crm_accounts::country.eq(&after.country),
            crm_accounts::industry.eq(&after.industry),
            crm_accounts::owner_email.eq(&after.owner_email),
            crm_accounts::named_account.eq(after.named_account),
            crm_accounts::reserved_for_direct.eq(after.reserved_for_direct),
            crm_accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    let after_profile = prospect_key::account_profile(
        &after.name,
        after.website.as_deref(),
        after.domain_key.as_deref(),
    );
    prospect_key::replace(
        conn,
        prospect_key::Kind::Account,
        &before.id,
        &before.profile(),
        &after_profile,
    )
}

/// How many accounts the CRM import has stored (and any added otherwise).
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    crm_accounts::table.count().get_result(conn)
}

/// Removes the account with this external id, with its direct opportunities, its matching
/// keys and the match findings that point at it (the engine finds again what is left when a
/// registration is next matched). False when there is no such account.
pub fn delete_by_external_id(conn: &mut DbConnection, external_id: &str) -> QueryResult<bool> {
    let Some(account) = by_external_ids(conn, &[external_id])?.pop() else {
        return Ok(false);
    };
    diesel::delete(
        direct_opportunities::table.filter(direct_opportunities::account_id.eq(&account.id)),
    )
    .execute(conn)?;
    prospect_key::delete(conn, &account.id, &account.profile())?;
    super::registration_match::delete_with(conn, &account.id)?;
    diesel::delete(crm_accounts::table.find(&account.id)).execute(conn)?;
    // What the registrations in review were matched against is gone: match them again.
    prospect_key::accounts_changed(conn)?;
    Ok(true)
}

/// A direct opportunity as the CRM sends it, checked (`domain::opportunity::validate`).
pub struct SyncedOpportunity<'a> {
    pub external_id: &'a str,
    pub account_id: &'a str,
    pub owner_email: &'a str,
    pub stage: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub last_activity_on: NaiveDate,
}

/// Inserts or updates the opportunity with this external id; true when it was new.
pub fn upsert_opportunity(
    conn: &mut DbConnection,
    o: &SyncedOpportunity,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        direct_opportunities::table.filter(direct_opportunities::external_id.eq(o.external_id)),
    )
    .set((
        direct_opportunities::account_id.eq(o.account_id),
        direct_opportunities::owner_email.eq(o.owner_email),
        direct_opportunities::stage.eq(o.stage),
        direct_opportunities::amount_minor.eq(o.amount_minor),
        direct_opportunities::currency.eq(o.currency),
        direct_opportunities::last_activity_on.eq(o.last_activity_on),
    ))
    .execute(conn)?;
    if updated > 0 {
        return Ok(false);
    }
    diesel::insert_into(direct_opportunities::table)
        .values((
            direct_opportunities::id.eq(crate::ids::new_id()),
            direct_opportunities::external_id.eq(o.external_id),
            direct_opportunities::account_id.eq(o.account_id),
            direct_opportunities::owner_email.eq(o.owner_email),
            direct_opportunities::stage.eq(o.stage),
            direct_opportunities::amount_minor.eq(o.amount_minor),
            direct_opportunities::currency.eq(o.currency),
            direct_opportunities::last_activity_on.eq(o.last_activity_on),
            direct_opportunities::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Removes the opportunity with this external id; false when there is none.
pub fn delete_opportunity(conn: &mut DbConnection, external_id: &str) -> QueryResult<bool> {
    let n = diesel::delete(
        direct_opportunities::table.filter(direct_opportunities::external_id.eq(external_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}
