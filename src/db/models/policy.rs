//! Program policy versions, kept as `versions` keeps settings: the newest is the policy in
//! force; older rows stay so that every decision can show the version it was made under.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::versions::{self, Version, versioned_in};
use crate::db::DbConnection;
use crate::domain::policy::Policy;

/// A saved policy version (`value` is the policy).
pub type PolicyVersion = Version<Policy>;

versioned_in!(Policy, policy_versions, "policy");

/// The policy in force. Version 1 (the defaults) is written at start-up, so there always is one.
pub fn current(conn: &mut DbConnection) -> QueryResult<PolicyVersion> {
    versions::current(conn)
}

pub fn find(conn: &mut DbConnection, version: i64) -> QueryResult<Option<Policy>> {
    versions::find(conn, version)
}

/// Every version, newest first.
pub fn history(conn: &mut DbConnection) -> QueryResult<Vec<PolicyVersion>> {
    versions::history(conn)
}

/// Saves `policy` as the next version; a concurrent save loses with a unique violation.
pub fn insert(
    conn: &mut DbConnection,
    policy: &Policy,
    created_by: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    versions::insert(conn, policy, created_by, now)
}

/// Writes the default policy as version 1 if there is none yet; safe to race.
pub fn ensure_initial(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    versions::ensure_initial::<Policy>(conn, now)
}
