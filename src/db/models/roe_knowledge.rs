//! How well people know the rules of engagement: their check answers (acknowledgements and
//! re-checks) counted by version, question and who answered, and the re-checks overdue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::{partner_orgs, roe_answers, roe_rechecks, users};
use crate::domain::roe_knowledge::{ByOrg, ByRole};
use crate::domain::role::Role;

/// Counts equal rows: (row, how many).
fn counted<T: Ord>(rows: Vec<T>) -> Vec<(T, i64)> {
    let mut counts: std::collections::BTreeMap<T, i64> = Default::default();
    for row in rows {
        *counts.entry(row).or_default() += 1;
    }
    counts.into_iter().collect()
}

/// Answers by (version, question, role of who answered, right or wrong). A handful of
/// answers per person: read and counted here (diesel groups columns of one table only).
pub fn by_question(conn: &mut DbConnection) -> QueryResult<Vec<ByRole>> {
    let rows: Vec<(i64, i32, String, bool)> = roe_answers::table
        .inner_join(users::table.on(users::id.eq(roe_answers::user_id)))
        .select((
            roe_answers::version,
            roe_answers::question,
            users::role,
            roe_answers::correct,
        ))
        .load(conn)?;
    Ok(counted(rows)
        .into_iter()
        .filter_map(|((v, q, role, c), n)| Some((v, q, Role::parse(&role)?, c, n)))
        .collect())
}

/// Partners' answers by (version, question, organisation name, right or wrong).
pub fn by_org(conn: &mut DbConnection) -> QueryResult<Vec<ByOrg>> {
    let rows: Vec<(i64, i32, String, bool)> = roe_answers::table
        .inner_join(users::table.on(users::id.eq(roe_answers::user_id)))
        .inner_join(partner_orgs::table.on(users::org_id.eq(partner_orgs::id.nullable())))
        .select((
            roe_answers::version,
            roe_answers::question,
            partner_orgs::name,
            roe_answers::correct,
        ))
        .load(conn)?;
    Ok(counted(rows)
        .into_iter()
        .map(|((v, q, org, c), n)| (v, q, org, c, n))
        .collect())
}

/// Someone whose re-check is overdue.
#[derive(Debug, Clone, Queryable)]
pub struct Overdue {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub org: Option<String>,
    pub due_at: NaiveDateTime,
}

/// Active people whose re-check was due before `now`, most overdue first.
pub fn overdue(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Overdue>> {
    roe_rechecks::table
        .inner_join(users::table.on(users::id.eq(roe_rechecks::user_id)))
        .left_join(partner_orgs::table.on(users::org_id.eq(partner_orgs::id.nullable())))
        .filter(roe_rechecks::due_at.lt(now))
        .filter(users::disabled_at.is_null())
        .order((roe_rechecks::due_at.asc(), users::email.asc()))
        .limit(limit)
        .select((
            users::name,
            users::email,
            users::role,
            partner_orgs::name.nullable(),
            roe_rechecks::due_at,
        ))
        .load(conn)
}
