//! Email: rendered from askama templates (one folder per email under `templates/email/`) and
//! queued in the outbox in the caller's transaction. Delivery is the job runner's work
//! (`jobs::delivery`), so an SMTP outage never fails or loses a user's action.

pub mod templates;

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::config::Config;
use crate::db::DbConnection;
use crate::db::models::outbox::{self, NewEmail};
use crate::domain::delivery::header_safe;
use crate::ids;

/// The program's name in emails.
pub const PROGRAM: &str = "Truce";

/// The three renderings of an email and what kind it is.
pub struct Rendered {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Something that renders as an email.
pub trait EmailContent {
    fn render(&self) -> Result<Rendered, askama::Error>;
}

/// Queues an email to `to` in the current transaction; returns the outbox row id.
pub fn enqueue(
    conn: &mut DbConnection,
    config: &Config,
    to: &str,
    content: &impl EmailContent,
    now: NaiveDateTime,
) -> QueryResult<String> {
    let rendered = content
        .render()
        .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
    let id = ids::new_id();
    let host = config.base_url.host_str().unwrap_or("localhost");
    // Stable per email: a copy re-sent after a crash carries the same id and can be
    // recognised as a duplicate.
    let message_id = format!("<{id}@{host}>");
    outbox::insert(
        conn,
        &NewEmail {
            id: &id,
            message_id: &message_id,
            kind: rendered.kind,
            to_addr: to,
            subject: &header_safe(&rendered.subject),
            text_body: &rendered.text,
            html_body: &rendered.html,
        },
        now,
    )?;
    Ok(id)
}
