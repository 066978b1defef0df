//! Webhook events, written in the transaction of the change they announce (as its emails
//! are), so an event goes out if and only if its change was stored. Each event carries the
//! record as the API shows it, fixed at the moment of the change; the job runner delivers it
//! (`jobs::webhooks`).

use std::net::{SocketAddr, ToSocketAddrs};

use chrono::{NaiveDateTime, SecondsFormat};
use diesel::QueryResult;
use serde::Serialize;

use super::dispute_view::DisputeView;
use super::registration_view::RegistrationSummary;
use crate::db::DbConnection;
use crate::db::models::crm::Account;
use crate::db::models::webhook::{self, NewEvent};
use crate::db::models::{dispute, org, registration};
use crate::domain::crm_import::AccountRow;
use crate::domain::lifecycle::EventKind;

/// The enabled endpoints and what each listens to, read once for a batch of changes (a
/// sweep's batch, an import) rather than once per change.
pub struct Listeners(Vec<(String, String)>);

impl Listeners {
    pub fn load(conn: &mut DbConnection) -> QueryResult<Self> {
        Ok(Listeners(webhook::listening(conn)?))
    }

    fn for_type(&self, event_type: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(_, types)| types.split(' ').any(|t| t == event_type))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The event of a registration's lifecycle step, if endpoints listen to it. Called after
    /// the registration's new state is written: the event carries it.
    pub fn registration(
        &self,
        conn: &mut DbConnection,
        kind: EventKind,
        registration_id: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        let Some(event_type) = crate::domain::webhook::of_registration(kind) else {
            return Ok(());
        };
        let endpoints = self.for_type(event_type);
        if endpoints.is_empty() {
            return Ok(());
        }
        let Some(reg) = registration::find(conn, registration_id)? else {
            return Ok(());
        };
        let org_name = org::find(conn, &reg.org_id)?
            .map(|o| o.name)
            .unwrap_or_default();
        let data = RegistrationSummary::of(reg, org_name);
        write(conn, event_type, registration_id, &data, &endpoints, now)
    }

    /// `dispute.raised` or `dispute.ruled`, after the dispute is written.
    pub fn dispute(
        &self,
        conn: &mut DbConnection,
        event_type: &'static str,
        dispute_id: &str,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        let endpoints = self.for_type(event_type);
        if endpoints.is_empty() {
            return Ok(());
        }
        let Some(d) = dispute::find(conn, dispute_id)? else {
            return Ok(());
        };
        write(
            conn,
            event_type,
            dispute_id,
            &DisputeView::from(d),
            &endpoints,
            now,
        )
    }

    /// `account.reserved` for the CRM account `id`, written as `after`, if that makes it
    /// reserved for direct sales and it was not before (`before`: as it was, `None` if new).
    pub fn account(
        &self,
        conn: &mut DbConnection,
        before: Option<&Account>,
        id: &str,
        after: &AccountRow,
        now: NaiveDateTime,
    ) -> QueryResult<()> {
        const TYPE: &str = "account.reserved";
        let reserved = after.named_account || after.reserved_for_direct;
        if !reserved || before.is_some_and(Account::is_reserved) {
            return Ok(());
        }
        let endpoints = self.for_type(TYPE);
        if endpoints.is_empty() {
            return Ok(());
        }
        let data = ReservedAccount {
            id,
            external_id: &after.external_id,
            name: &after.name,
            domain: after.domain_key.as_deref(),
            owner_email: after.owner_email.as_deref(),
            named_account: after.named_account,
            reserved_for_direct: after.reserved_for_direct,
        };
        write(conn, TYPE, id, &data, &endpoints, now)
    }
}

/// A reserved account as the event carries it.
#[derive(Serialize)]
struct ReservedAccount<'a> {
    id: &'a str,
    external_id: &'a str,
    name: &'a str,
    domain: Option<&'a str>,
    owner_email: Option<&'a str>,
    named_account: bool,
    reserved_for_direct: bool,
}

/// The body Standard Webhooks describes: the type, when it happened, and the data.
#[derive(Serialize)]
struct Body<'a, T: Serialize> {
    r#type: &'a str,
    timestamp: String,
    data: &'a T,
}

fn write<T: Serialize>(
    conn: &mut DbConnection,
    event_type: &str,
    subject_id: &str,
    data: &T,
    endpoints: &[&str],
    now: NaiveDateTime,
) -> QueryResult<()> {
    let payload = serde_json::to_string(&Body {
        r#type: event_type,
        timestamp: now.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true),
        data,
    })
    .expect("event data serialises");
    let id = format!("msg_{}", crate::ids::new_id().replace('-', ""));
    webhook::insert_event(
        conn,
        &NewEvent {
            id: &id,
            event_type,
            subject_id,
            payload: &payload,
        },
        endpoints,
        now,
    )
}

/// The event of one registration's step, for paths that change one registration.
pub fn registration_event(
    conn: &mut DbConnection,
    kind: EventKind,
    registration_id: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if crate::domain::webhook::of_registration(kind).is_none() {
        return Ok(());
    }
    Listeners::load(conn)?.registration(conn, kind, registration_id, now)
}

/// Turns off an endpoint that has failed for [`DISABLE_AFTER`] without a success and
/// emails the admins, once (a second worker finding it off does nothing). Its events wait:
/// turned on again, it gets them.
///
/// [`DISABLE_AFTER`]: crate::domain::webhook::DISABLE_AFTER
pub fn disable_failing(
    conn: &mut DbConnection,
    config: &crate::config::Config,
    endpoint: &webhook::Endpoint,
    failing_since: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let since = crate::domain::dates::date_time(failing_since);
    let reason = format!("Truce turned it off: every delivery since {since} UTC failed.");
    if !webhook::disable_failing(conn, &endpoint.id, &reason, now)? {
        return Ok(false);
    }
    tracing::warn!(endpoint = %endpoint.id, url = %endpoint.url, "webhook endpoint turned off after three days of failures");
    let notice = crate::mail::templates::RegistrationNotice {
        kind: "webhook_disabled",
        program: crate::mail::PROGRAM.into(),
        subject: format!("Webhook endpoint turned off: {}", endpoint.url),
        name: String::new(),
        headline: format!(
            "Truce stopped sending events to {}: it has failed for three days.",
            endpoint.url
        ),
        lines: vec![
            "Its events are kept. Fix the receiver, then turn the endpoint on again on its \
             page: it gets every event it missed."
                .into(),
        ],
        facts: vec![
            ("Endpoint", endpoint.url.clone()),
            ("Failing since", format!("{since} UTC")),
        ],
        link: config.link(&format!("/admin/webhooks/{}", endpoint.id)),
        link_label: "Open the endpoint and its delivery log",
    };
    for admin in crate::db::models::user::active_with_role(conn, crate::domain::role::Role::Admin)?
    {
        let notice = crate::mail::templates::RegistrationNotice {
            name: admin.name.clone(),
            ..notice.clone()
        };
        crate::mail::enqueue(conn, config, &admin.email, &notice, now)?;
    }
    Ok(true)
}

/// An address written as an IP that Truce refuses to call (names are checked as they are
/// resolved, by the delivery job's resolver).
pub fn literal_refused(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let ip: std::net::IpAddr = match parsed.host()? {
        url::Host::Ipv4(ip) => ip.into(),
        url::Host::Ipv6(ip) => ip.into(),
        url::Host::Domain(_) => return None,
    };
    crate::domain::webhook::refused_address(ip).map(|why| refusal(&ip.to_string(), why))
}

pub fn refusal(host: &str, why: &str) -> String {
    format!(
        "not sent: {host} is {why}; Truce calls only public addresses unless \
         TRUCE_WEBHOOKS_ALLOW_PRIVATE is set"
    )
}

/// Refuses a URL whose host is a refused address or resolves only to refused addresses,
/// for the endpoint form: the admin hears of it when saving, not from the delivery log.
pub fn check_address(url: &str) -> Option<String> {
    if let Some(refused) = literal_refused(url) {
        return Some(refused);
    }
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_owned();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = (host.as_str(), port).to_socket_addrs().ok()?.collect();
    if !addrs.is_empty()
        && addrs
            .iter()
            .all(|a| crate::domain::webhook::refused_address(a.ip()).is_some())
    {
        let why = crate::domain::webhook::refused_address(addrs[0].ip()).unwrap_or("private");
        return Some(refusal(&host, why));
    }
    None
}
