//! Program policy versions. The newest row is the policy in force; older rows stay so that
//! every decision can show the version it was made under.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{policy_versions, users};
use crate::domain::policy::Policy;

/// A saved policy version.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    pub version: i64,
    pub policy: Policy,
    pub created_by: Option<String>,
    /// Who saved it, for the history list.
    pub created_by_name: Option<String>,
    pub created_at: NaiveDateTime,
}

fn parse(version: i64, params: &str) -> QueryResult<Policy> {
    serde_json::from_str(params).map_err(|e| {
        diesel::result::Error::DeserializationError(
            format!("policy version {version} is unreadable: {e}").into(),
        )
    })
}

type Row = (i64, String, Option<String>, Option<String>, NaiveDateTime);

fn load(rows: Vec<Row>) -> QueryResult<Vec<PolicyVersion>> {
    rows.into_iter()
        .map(|(version, params, created_by, name, created_at)| {
            Ok(PolicyVersion {
                version,
                policy: parse(version, &params)?,
                created_by,
                created_by_name: name,
                created_at,
            })
        })
        .collect()
}

/// Versions newest first, at most `limit`.
fn newest(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<PolicyVersion>> {
    let rows: Vec<Row> = policy_versions::table
        .left_join(users::table.on(users::id.nullable().eq(policy_versions::created_by)))
        .select((
            policy_versions::version,
            policy_versions::params,
            policy_versions::created_by,
            users::name.nullable(),
            policy_versions::created_at,
        ))
        .order(policy_versions::version.desc())
        .limit(limit)
        .load(conn)?;
    load(rows)
}

/// The policy in force. Version 1 (the defaults) is written at start-up, so there always is one.
pub fn current(conn: &mut DbConnection) -> QueryResult<PolicyVersion> {
    newest(conn, 1)?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

pub fn find(conn: &mut DbConnection, version: i64) -> QueryResult<Option<Policy>> {
    let params: Option<String> = policy_versions::table
        .find(version)
        .select(policy_versions::params)
        .first(conn)
        .optional()?;
    params.map(|p| parse(version, &p)).transpose()
}

/// Every version, newest first.
pub fn history(conn: &mut DbConnection) -> QueryResult<Vec<PolicyVersion>> {
    newest(conn, 1000)
}

/// Saves `policy` as the next version. Two admins saving at once: one of them gets a unique
/// violation and is asked to look again.
pub fn insert(
    conn: &mut DbConnection,
    policy: &Policy,
    created_by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let latest: Option<i64> = policy_versions::table
        .select(diesel::dsl::max(policy_versions::version))
        .first(conn)?;
    let version = latest.unwrap_or(0) + 1;
    let params = serde_json::to_string(policy)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(policy_versions::table)
        .values((
            policy_versions::version.eq(version),
            policy_versions::params.eq(params),
            policy_versions::created_by.eq(created_by),
            policy_versions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(version)
}

/// Writes the default policy as version 1 if there is none yet; safe to race.
pub fn ensure_initial(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    let any: i64 = policy_versions::table.count().get_result(conn)?;
    if any > 0 {
        return Ok(());
    }
    match insert(conn, &Policy::default(), None, now) {
        Err(e) if crate::db::is_unique_violation(&e) => Ok(()),
        other => other.map(|_| ()),
    }
}
