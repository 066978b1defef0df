//! The page that hands an admin a new one-time sign-in link to pass on (until invitations
//! are emailed, this is how a new user gets in).

use askama::Template;
use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::auth::links;
use crate::db::DbConnection;
use crate::db::models::token::Purpose;
use crate::routes::layout::Layout;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "admin/link_issued.html")]
pub struct LinkIssued {
    pub layout: Layout,
    pub name: String,
    pub email: String,
    pub link: String,
    pub expires: String,
    pub back: String,
}

/// Issues a set-password link for a user; returns (absolute link, expiry shown to the admin).
pub fn issue_set_password_link(
    conn: &mut DbConnection,
    state: &AppState,
    user_id: &str,
    now: NaiveDateTime,
    ttl: chrono::TimeDelta,
) -> QueryResult<(String, String)> {
    let (secret, expires_at) = links::issue(conn, Purpose::SetPassword, Some(user_id), now, ttl)?;
    Ok((
        state.config.link(&format!("/password/set/{secret}")),
        expires_at.format("%Y-%m-%d %H:%M").to_string(),
    ))
}
