//! Partner organisations as a spreadsheet, for admins: tier, status and how many users each
//! has, in name order.

use diesel::QueryResult;

use super::{Export, utc};
use crate::db::DbConnection;
use crate::db::models::org::{self, Org};

pub struct Orgs;

pub struct Row {
    org: Org,
    users: i64,
}

impl Export for Orgs {
    type Row = Row;
    /// The last name key written (name keys are unique).
    type Cursor = String;

    const HEADER: &'static [&'static str] =
        &["org_id", "name", "tier", "status", "users", "created_at"];

    fn file_stem(&self) -> &'static str {
        "organisations"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&String>,
        limit: i64,
    ) -> QueryResult<Vec<Row>> {
        let orgs = org::list_page(conn, after.map(String::as_str), limit)?;
        let ids: Vec<String> = orgs.iter().map(|o| o.id.clone()).collect();
        let counts = org::user_counts_of(conn, &ids)?;
        Ok(orgs
            .into_iter()
            .map(|org| Row {
                users: counts.get(&org.id).copied().unwrap_or(0),
                org,
            })
            .collect())
    }

    fn cursor(&self, row: &Row) -> Option<String> {
        Some(row.org.name_key.clone())
    }

    fn record(&self, row: &Row) -> Vec<String> {
        let o = &row.org;
        vec![
            o.id.clone(),
            o.name.clone(),
            o.tier.as_str().to_owned(),
            o.status.as_str().to_owned(),
            row.users.to_string(),
            utc(Some(o.created_at)),
        ]
    }
}
