//! Who has acknowledged the rules of engagement, as a spreadsheet for admins: one row per
//! active partner user and sales rep, with the version in force, when they acknowledged it
//! and how their recent check answers went.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::{Export, number, utc};
use crate::db::DbConnection;
use crate::workflow::roe::{self as flow, ListedStanding};

pub struct Acknowledgements {
    pub now: NaiveDateTime,
}

impl Export for Acknowledgements {
    type Row = ListedStanding;
    /// The last email written (emails are unique).
    type Cursor = String;

    const HEADER: &'static [&'static str] = &[
        "user_id",
        "name",
        "email",
        "role",
        "organisation",
        "roe_version",
        "acknowledged_at",
        "answers_since",
        "correct_answers",
        "answers",
    ];

    fn file_stem(&self) -> &'static str {
        "roe-acknowledgements"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&String>,
        limit: i64,
    ) -> QueryResult<Vec<ListedStanding>> {
        flow::standings_page(conn, self.now, after.map(String::as_str), limit)
    }

    fn cursor(&self, row: &ListedStanding) -> Option<String> {
        Some(row.standing.email.clone())
    }

    fn record(&self, row: &ListedStanding) -> Vec<String> {
        let p = &row.standing;
        vec![
            row.user_id.clone(),
            p.name.clone(),
            p.email.clone(),
            row.role.as_str().to_owned(),
            row.org_name.clone().unwrap_or_default(),
            number(row.version),
            utc(p.acknowledged_at),
            utc(Some(row.since)),
            p.correct.to_string(),
            p.answered.to_string(),
        ]
    }
}
