//! Users as a spreadsheet, for admins: who has which role, in which organisation, and
//! whether they can sign in. Never a password hash.

use diesel::QueryResult;

use super::{Export, utc};
use crate::db::DbConnection;
use crate::db::models::user::{self, UserListing};

pub struct Users;

impl Export for Users {
    type Row = UserListing;
    /// The last email written (emails are unique).
    type Cursor = String;

    const HEADER: &'static [&'static str] = &[
        "user_id",
        "name",
        "email",
        "role",
        "org_admin",
        "organisation",
        "status",
        "created_at",
        "disabled_at",
    ];

    fn file_stem(&self) -> &'static str {
        "users"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&String>,
        limit: i64,
    ) -> QueryResult<Vec<UserListing>> {
        user::list_page(conn, None, "", after.map(String::as_str), limit)
    }

    fn cursor(&self, row: &UserListing) -> Option<String> {
        Some(row.user.email.clone())
    }

    fn record(&self, row: &UserListing) -> Vec<String> {
        let u = &row.user;
        vec![
            u.id.clone(),
            u.name.clone(),
            u.email.clone(),
            u.role.as_str().to_owned(),
            u.org_admin.to_string(),
            row.org_name.clone().unwrap_or_default(),
            u.status().as_str().to_owned(),
            utc(Some(u.created_at)),
            utc(u.disabled_at),
        ]
    }
}
