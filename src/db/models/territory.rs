//! Territories with their assigned organisations and reps, and the block/flag mode history.
//! The flags left on registrations let through outside their territories are `flag`'s.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::models::tally;
use crate::db::schema::{
    crm_accounts, partner_orgs, registration_details, registrations, territories, territory_modes,
    territory_orgs, territory_places, territory_reps, users,
};
use crate::domain::lifecycle::Status;
use crate::domain::territory::{
    ActiveRegistration, Eligibility, Kind, Mode, Territory, TerritoryFields,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = territories)]
struct Row {
    id: String,
    name: String,
    kind: Kind,
    countries: String,
    regions: String,
    industries: String,
    eligibility: Eligibility,
    double_credit: bool,
}

/// Why a territory could not be saved.
#[derive(Debug)]
pub enum SaveError {
    NameTaken,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for SaveError {
    fn from(e: diesel::result::Error) -> Self {
        if crate::db::is_unique_violation(&e) {
            Self::NameTaken
        } else {
            Self::Db(e)
        }
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every territory, by name, with its organisations and reps.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Territory>> {
    read(conn, Members::All)
}

/// Every territory, by name, as one organisation's registration is judged by, or with
/// `None` as a prospect is reserved for direct sales: the same as [`list`], except that a
/// territory's `orgs` hold `org_id` alone, where it is assigned, so `Territory::assigned_to`
/// answers for that organisation only. The lock check and a partner's registration read the
/// territories at every request, and reading every territory's organisations (12,000 rows at
/// 2,000 partners) was six sevenths of a lock check's work.
pub fn as_seen_by(conn: &mut DbConnection, org_id: Option<&str>) -> QueryResult<Vec<Territory>> {
    read(conn, org_id.map_or(Members::Nobody, Members::Of))
}

/// Whose assignments [`read`] reads.
enum Members<'a> {
    All,
    Of(&'a str),
    Nobody,
}

fn read(conn: &mut DbConnection, members: Members) -> QueryResult<Vec<Territory>> {
    let rows: Vec<Row> = territories::table
        .order(territories::name_key.asc())
        .select(Row::as_select())
        .load(conn)?;
    let assigned =
        territory_orgs::table.select((territory_orgs::territory_id, territory_orgs::org_id));
    let assigned: Vec<(String, String)> = match members {
        Members::All => assigned.load(conn)?,
        Members::Of(org_id) => assigned
            .filter(territory_orgs::org_id.eq(org_id))
            .load(conn)?,
        Members::Nobody => Vec::new(),
    };
    let mut orgs: HashMap<String, Vec<String>> = HashMap::new();
    for (t, o) in assigned {
        orgs.entry(t).or_default().push(o);
    }
    let mut reps: HashMap<String, Vec<String>> = HashMap::new();
    for (t, u) in territory_reps::table
        .select((territory_reps::territory_id, territory_reps::user_id))
        .load::<(String, String)>(conn)?
    {
        reps.entry(t).or_default().push(u);
    }
    Ok(rows
        .into_iter()
        .map(|r| Territory {
            orgs: orgs.remove(&r.id).unwrap_or_default(),
            reps: reps.remove(&r.id).unwrap_or_default(),
            kind: r.kind,
            countries: r.countries.split_whitespace().map(str::to_owned).collect(),
            regions: lines(&r.regions),
            industries: lines(&r.industries),
            eligibility: r.eligibility,
            double_credit: r.double_credit,
            id: r.id,
            name: r.name,
        })
        .collect())
}

/// A territory as a choice in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: String,
    pub name: String,
}

/// Every territory's id and name, by name.
pub fn listed(conn: &mut DbConnection) -> QueryResult<Vec<Listed>> {
    let rows: Vec<(String, String)> = territories::table
        .order(territories::name_key.asc())
        .select((territories::id, territories::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Listed { id, name })
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Territory>> {
    Ok(list(conn)?.into_iter().find(|t| t.id == id))
}

fn write_members(conn: &mut DbConnection, id: &str, f: &TerritoryFields) -> QueryResult<()> {
    diesel::delete(territory_orgs::table.filter(territory_orgs::territory_id.eq(id)))
        .execute(conn)?;
    diesel::delete(territory_reps::table.filter(territory_reps::territory_id.eq(id)))
        .execute(conn)?;
    for o in &f.orgs {
        diesel::insert_into(territory_orgs::table)
            .values((
                territory_orgs::territory_id.eq(id),
                territory_orgs::org_id.eq(o),
            ))
            .execute(conn)?;
    }
    for u in &f.reps {
        diesel::insert_into(territory_reps::table)
            .values((
                territory_reps::territory_id.eq(id),
                territory_reps::user_id.eq(u),
            ))
            .execute(conn)?;
    }
    write_places(conn, id, f)
}

/// The places the territory covers, as rows the dashboard's rollups join (`tally`), and its
/// rollups recounted from them: a registration belongs to a territory as it is now.
fn write_places(conn: &mut DbConnection, id: &str, f: &TerritoryFields) -> QueryResult<()> {
    diesel::delete(territory_places::table.filter(territory_places::territory_id.eq(id)))
        .execute(conn)?;
    let (kind, values) = match f.kind {
        Kind::Geographic => ("country", &f.countries),
        Kind::Vertical => ("industry", &f.industries),
    };
    let mut values: Vec<&String> = values.iter().collect();
    values.sort();
    values.dedup();
    for v in values {
        diesel::insert_into(territory_places::table)
            .values((
                territory_places::territory_id.eq(id),
                territory_places::kind.eq(kind),
                territory_places::value.eq(v),
            ))
            .execute(conn)?;
    }
    tally::territory_saved(conn, id)
}

pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    f: &TerritoryFields,
    by: &str,
    now: NaiveDateTime,
) -> Result<(), SaveError> {
    diesel::insert_into(territories::table)
        .values((
            territories::id.eq(id),
            territories::name.eq(&f.name),
            territories::name_key.eq(&f.name_key),
            territories::kind.eq(f.kind),
            territories::countries.eq(f.countries.join(" ")),
            territories::regions.eq(f.regions.join("\n")),
            territories::industries.eq(f.industries.join("\n")),
            territories::eligibility.eq(f.eligibility),
            territories::double_credit.eq(f.double_credit),
            territories::created_at.eq(now),
            territories::updated_at.eq(now),
            territories::updated_by.eq(by),
        ))
        .execute(conn)?;
    write_members(conn, id, f)?;
    Ok(())
}

/// Replaces a territory's fields and members; false when it does not exist.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    f: &TerritoryFields,
    by: &str,
    now: NaiveDateTime,
) -> Result<bool, SaveError> {
    let n = diesel::update(territories::table.find(id))
        .set((
            territories::name.eq(&f.name),
            territories::name_key.eq(&f.name_key),
            territories::kind.eq(f.kind),
            territories::countries.eq(f.countries.join(" ")),
            territories::regions.eq(f.regions.join("\n")),
            territories::industries.eq(f.industries.join("\n")),
            territories::eligibility.eq(f.eligibility),
            territories::double_credit.eq(f.double_credit),
            territories::updated_at.eq(now),
            territories::updated_by.eq(by),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    write_members(conn, id, f)?;
    Ok(true)
}

/// The mode in force and, when an admin chose it, who and when.
pub struct ModeChoice {
    pub mode: Mode,
    pub changed_by: Option<String>,
    pub changed_at: Option<NaiveDateTime>,
}

pub fn current_mode(conn: &mut DbConnection) -> QueryResult<ModeChoice> {
    let row: Option<(Mode, String, NaiveDateTime)> = territory_modes::table
        .inner_join(users::table.on(users::id.eq(territory_modes::changed_by)))
        .order((
            territory_modes::changed_at.desc(),
            territory_modes::id.desc(),
        ))
        .select((
            territory_modes::mode,
            users::email,
            territory_modes::changed_at,
        ))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((mode, by, at)) => ModeChoice {
            mode,
            changed_by: Some(by),
            changed_at: Some(at),
        },
        None => ModeChoice {
            mode: Mode::Block,
            changed_by: None,
            changed_at: None,
        },
    })
}

pub fn set_mode(
    conn: &mut DbConnection,
    mode: Mode,
    by: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(territory_modes::table)
        .values((
            territory_modes::id.eq(crate::ids::new_id()),
            territory_modes::mode.eq(mode.as_str()),
            territory_modes::changed_by.eq(by),
            territory_modes::changed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Registrations holding a prospect (under review or approved), with where they are.
pub fn active_registrations(conn: &mut DbConnection) -> QueryResult<Vec<ActiveRegistration>> {
    let rows: Vec<(String, String, String, String)> = registrations::table
        .inner_join(registration_details::table)
        .inner_join(partner_orgs::table)
        .filter(registrations::status.eq_any(Status::strs(&Status::HOLDING)))
        .select((
            registrations::org_id,
            partner_orgs::name,
            registration_details::country,
            registration_details::industry,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(org_id, org_name, country, industry)| ActiveRegistration {
            org_id,
            org_name,
            country,
            industry,
        })
        .collect())
}

/// Every CRM account's (country, industry), for the preview.
pub fn account_places(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(Option<String>, Option<String>)>> {
    crm_accounts::table
        .select((crm_accounts::country, crm_accounts::industry))
        .load(conn)
}
