use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::tally;
use crate::db::schema::{partner_orgs, users};
use crate::db::stamp::Stamp;
use crate::domain::org::{OrgFields, OrgStatus, Tier};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_orgs)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub tier: Tier,
    pub status: OrgStatus,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    /// Raised by every write that changes the organisation's figures (`figures_changed`).
    pub figures_version: i64,
}

impl Org {
    pub fn tier(&self) -> Tier {
        self.tier
    }

    pub fn status(&self) -> OrgStatus {
        self.status
    }

    pub fn is_active(&self) -> bool {
        self.status == OrgStatus::Active
    }

    pub fn tier_label(&self) -> &'static str {
        self.tier.label()
    }

    pub fn status_label(&self) -> &'static str {
        self.status.label()
    }
}

/// Why an organisation could not be saved, for the form to show.
#[derive(Debug)]
pub enum SaveOrgError {
    NameTaken,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for SaveOrgError {
    fn from(e: diesel::result::Error) -> Self {
        if crate::db::is_unique_violation(&e) {
            Self::NameTaken
        } else {
            Self::Db(e)
        }
    }
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Org>> {
    partner_orgs::table
        .order(partner_orgs::name_key.asc())
        .select(Org::as_select())
        .load(conn)
}

/// How many partner organisations there are.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    partner_orgs::table.count().get_result(conn)
}

/// One page of the organisations in name order, after the one with name key `after`
/// (keyset on the unique name key): the export reads all of them a page at a time.
pub fn list_page(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Org>> {
    search_page(conn, "", after, limit)
}

/// A page of the list an admin browses: the organisations whose name holds `search` (as
/// name keys: "nordlight it" finds "Nordlight IT Services GmbH"), in name order after name
/// key `after`.
pub fn search_page(
    conn: &mut DbConnection,
    search: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Org>> {
    let mut query = partner_orgs::table.into_boxed();
    let key = crate::domain::prospect::name_key(search);
    if !key.is_empty() {
        query = query.filter(
            partner_orgs::name_key
                .like(crate::db::search::contains(&key))
                .escape('\\'),
        );
    }
    if let Some(key) = after {
        query = query.filter(partner_orgs::name_key.gt(key.to_owned()));
    }
    query
        .order(partner_orgs::name_key.asc())
        .limit(limit)
        .select(Org::as_select())
        .load(conn)
}

/// The names of these organisations, by id (ids not found are left out).
pub fn names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = partner_orgs::table
        .filter(partner_orgs::id.eq_any(ids))
        .select((partner_orgs::id, partner_orgs::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Org>> {
    crate::db::on_backend!(conn, |c| partner_orgs::table
        .find(id)
        .select(Org::as_select())
        .first(c)
        .optional())
}

/// The organisation a user belongs to, if any.
pub fn find_opt(conn: &mut DbConnection, id: Option<&str>) -> QueryResult<Option<Org>> {
    match id {
        Some(id) => find(conn, id),
        None => Ok(None),
    }
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> QueryResult<Option<Org>> {
    partner_orgs::table
        .filter(partner_orgs::name_key.eq(crate::domain::org::name_key(name)))
        .select(Org::as_select())
        .first(conn)
        .optional()
}

/// Number of users per organisation id.
pub fn user_counts(conn: &mut DbConnection) -> QueryResult<HashMap<String, i64>> {
    let rows = users::table
        .filter(users::org_id.is_not_null())
        .group_by(users::org_id)
        .select((users::org_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(by_org(rows))
}

/// Number of users of these organisations (those with none are left out): one query for a
/// page of a list.
pub fn user_counts_of(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<HashMap<String, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = users::table
        .filter(users::org_id.eq_any(ids))
        .group_by(users::org_id)
        .select((users::org_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(by_org(rows))
}

fn by_org(rows: Vec<(Option<String>, i64)>) -> HashMap<String, i64> {
    rows.into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect()
}

pub fn insert(
    conn: &mut DbConnection,
    fields: &OrgFields,
    now: NaiveDateTime,
) -> Result<Org, SaveOrgError> {
    let org = Org {
        id: crate::ids::new_id(),
        name: fields.name.clone(),
        name_key: fields.name_key.clone(),
        tier: fields.tier,
        status: fields.status,
        created_at: now,
        updated_at: now,
        figures_version: 0,
    };
    diesel::insert_into(partner_orgs::table)
        .values((
            partner_orgs::id.eq(&org.id),
            partner_orgs::name.eq(&org.name),
            partner_orgs::name_key.eq(&org.name_key),
            partner_orgs::tier.eq(&org.tier),
            partner_orgs::status.eq(&org.status),
            partner_orgs::created_at.eq(now),
            partner_orgs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(org)
}

/// Returns false when no organisation has that id.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    fields: &OrgFields,
    now: NaiveDateTime,
) -> Result<bool, SaveOrgError> {
    let before: Option<Tier> = partner_orgs::table
        .find(id)
        .select(partner_orgs::tier)
        .first(conn)
        .optional()?;
    let Some(before) = before else {
        return Ok(false);
    };
    let n = diesel::update(partner_orgs::table.find(id))
        .set((
            partner_orgs::name.eq(&fields.name),
            partner_orgs::name_key.eq(&fields.name_key),
            partner_orgs::tier.eq(fields.tier),
            partner_orgs::status.eq(fields.status),
            partner_orgs::updated_at.eq(now),
        ))
        .execute(conn)?;
    // The dashboard counts a partner's registrations under its tier now.
    tally::tier_changed(conn, id, before, fields.tier)?;
    figures_changed(conn, id)?;
    Ok(n == 1)
}

/// Marks the organisation's figures as changed, in the caller's transaction: a summary
/// computed before (on any instance) is no longer shown. Called by every write that changes
/// them: its registrations' rows (`registration::insert`, `update_state`), its disputes, and
/// its own row.
pub fn figures_changed(conn: &mut DbConnection, id: &str) -> QueryResult<()> {
    diesel::update(partner_orgs::table.find(id))
        .set(partner_orgs::figures_version.eq(partner_orgs::figures_version + 1))
        .execute(conn)?;
    Ok(())
}

/// [`figures_changed`] for many organisations in one statement (a sweep's batch).
pub fn figures_changed_many(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(partner_orgs::table.filter(partner_orgs::id.eq_any(ids)))
        .set(partner_orgs::figures_version.eq(partner_orgs::figures_version + 1))
        .execute(conn)?;
    Ok(())
}
