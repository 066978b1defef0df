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
    let email = compose(config, to, content)?;
    outbox::insert(conn, &email.as_new(), now)?;
    Ok(email.id)
}

/// An email rendered and addressed, ready for the outbox: queued at once by [`enqueue`], or
/// with others by [`enqueue_all`].
pub struct Composed {
    pub id: String,
    message_id: String,
    kind: &'static str,
    to: String,
    subject: String,
    text: String,
    html: String,
}

impl Composed {
    fn as_new(&self) -> NewEmail<'_> {
        NewEmail {
            id: &self.id,
            message_id: &self.message_id,
            kind: self.kind,
            to_addr: &self.to,
            subject: &self.subject,
            text_body: &self.text,
            html_body: &self.html,
        }
    }
}

/// Renders `content` for `to`.
pub fn compose(config: &Config, to: &str, content: &impl EmailContent) -> QueryResult<Composed> {
    let rendered = content
        .render()
        .map_err(|e| diesel::result::Error::QueryBuilderError(Box::new(e)))?;
    let id = ids::new_id();
    let host = config.base_url.host_str().unwrap_or("localhost");
    // Stable per email: a copy re-sent after a crash carries the same id and can be
    // recognised as a duplicate.
    let message_id = format!("<{id}@{host}>");
    Ok(Composed {
        id,
        message_id,
        kind: rendered.kind,
        to: to.to_owned(),
        subject: header_safe(&rendered.subject),
        text: rendered.text,
        html: rendered.html,
    })
}

/// Queues `emails` in the current transaction, together.
pub fn enqueue_all(
    conn: &mut DbConnection,
    emails: &[Composed],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let rows: Vec<NewEmail<'_>> = emails.iter().map(Composed::as_new).collect();
    outbox::insert_many(conn, &rows, now)
}
