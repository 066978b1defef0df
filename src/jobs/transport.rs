//! Delivery with lettre: SMTP (STARTTLS by default, implicit TLS with `smtps://`, plain only
//! when asked with `?tls=none`) or, as the local default, `.eml` files under the data dir.

use std::path::Path;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use url::Url;

use crate::db::models::outbox::OutboxRow;

pub enum Mailer {
    Smtp(Box<SmtpTransport>),
    File(FileTransport),
}

/// Why a send failed, and whether trying again can help.
#[derive(Debug)]
pub struct SendFailure {
    pub permanent: bool,
    pub message: String,
}

impl Mailer {
    /// From `TRUCE_SMTP_URL`, or the file transport writing to `DATA_DIR/mail` without one.
    pub fn from_settings(smtp_url: Option<&str>, data_dir: &Path) -> Result<Self, String> {
        match smtp_url {
            Some(raw) => smtp(raw).map(|t| Mailer::Smtp(Box::new(t))),
            None => {
                let dir = data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create the mail folder {}: {e}", dir.display()))?;
                Ok(Mailer::File(FileTransport::new(dir)))
            }
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Mailer::Smtp(_) => "SMTP",
            Mailer::File(_) => ".eml files in DATA_DIR/mail",
        }
    }

    pub fn send(&self, from: &Mailbox, row: &OutboxRow) -> Result<(), SendFailure> {
        let to: Mailbox = row.to_addr.parse().map_err(|e| SendFailure {
            permanent: true,
            message: format!("invalid recipient address: {e}"),
        })?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()))
            .multipart(MultiPart::alternative_plain_html(
                row.text_body.clone(),
                row.html_body.clone(),
            ))
            .map_err(|e| SendFailure {
                permanent: true,
                message: format!("cannot build the message: {e}"),
            })?;
        match self {
            Mailer::Smtp(t) => t.send(&message).map(|_| ()).map_err(|e| SendFailure {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Mailer::File(t) => t.send(&message).map(|_| ()).map_err(|e| SendFailure {
                permanent: false,
                message: e.to_string(),
            }),
        }
    }
}

fn smtp(raw: &str) -> Result<SmtpTransport, String> {
    let bad = |why: &str| {
        format!(
            "TRUCE_SMTP_URL: {why}; use smtp://USER:PASS@HOST:587 (STARTTLS), smtps://USER:PASS@HOST:465 (TLS) or smtp://HOST:25?tls=none (plain)"
        )
    };
    let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    let host = url.host_str().ok_or_else(|| bad("no host"))?.to_owned();
    let plain = url.query_pairs().any(|(k, v)| k == "tls" && v == "none");
    let builder = match (url.scheme(), plain) {
        ("smtp", true) => SmtpTransport::builder_dangerous(&host).port(url.port().unwrap_or(25)),
        ("smtp", false) => SmtpTransport::starttls_relay(&host)
            .map_err(|e| bad(&e.to_string()))?
            .port(url.port().unwrap_or(587)),
        ("smtps", false) => SmtpTransport::relay(&host)
            .map_err(|e| bad(&e.to_string()))?
            .port(url.port().unwrap_or(465)),
        ("smtps", true) => return Err(bad("smtps:// always uses TLS; drop ?tls=none")),
        (other, _) => return Err(bad(&format!("unknown scheme {other}"))),
    };
    let builder = builder.timeout(Some(Duration::from_secs(15)));
    let builder = if url.username().is_empty() {
        builder
    } else {
        let decode = |s: &str| percent_decode(s);
        builder.credentials(Credentials::new(
            decode(url.username()),
            decode(url.password().unwrap_or("")),
        ))
    };
    Ok(builder.build())
}

fn percent_decode(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_checked() {
        assert!(smtp("smtp://user:p%40ss@mail.example.com:587").is_ok());
        assert!(smtp("smtps://mail.example.com").is_ok());
        assert!(smtp("smtp://127.0.0.1:2525?tls=none").is_ok());
        assert!(smtp("smtps://mail.example.com?tls=none").is_err());
        assert!(
            smtp("http://mail.example.com")
                .unwrap_err()
                .contains("TRUCE_SMTP_URL")
        );
        assert_eq!(percent_decode("p%40ss"), "p@ss");
    }
}
