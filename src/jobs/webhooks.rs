//! Webhook delivery: claim due deliveries a batch at a time, send the batch in parallel,
//! signed as Standard Webhooks says, record every attempt, and turn off an endpoint that has
//! failed for three days. A claim's lease outlasts the request's timeout, so an event is
//! never sent to one endpoint twice at the same time; a worker that dies mid-delivery
//! leaves its claim to run out, and the event goes out again after it.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use rand::Rng;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::models::webhook::{self, Claimed, NewAttempt};
use crate::db::{DbConnection, write_tx};
use crate::domain::webhook as rules;
use crate::sealed::SealKey;
use crate::workflow::webhooks::{literal_refused, refusal};

/// Deliveries sent at once: a slow receiver holds up a batch for at most the timeout.
const PARALLEL: i64 = 16;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WebhookReport {
    pub delivered: usize,
    pub retrying: usize,
    /// Endpoints turned off in this pass (failing for three days).
    pub disabled: usize,
}

/// How long a claim lasts: the request's timeout, twice, and a margin for the bookkeeping.
pub fn lease(timeout: Duration) -> TimeDelta {
    TimeDelta::from_std(timeout * 2).unwrap_or(TimeDelta::seconds(20)) + TimeDelta::seconds(5)
}

/// Delivers what is due, batch after batch, until nothing is due or `budget` is spent (the
/// other jobs of the pass wait meanwhile).
pub fn deliver_due(
    conn: &mut DbConnection,
    config: &Config,
    seal: &SealKey,
    clock: &dyn Clock,
    budget: Duration,
) -> anyhow::Result<WebhookReport> {
    let started = Instant::now();
    let mut report = WebhookReport::default();
    let mut sender: Option<Sender> = None;
    while started.elapsed() < budget {
        let now = clock.naive_now();
        let lease_end = now + lease(config.webhook_timeout);
        let claimed = write_tx(conn, |conn| {
            webhook::claim_due(conn, now, lease_end, PARALLEL)
        })?;
        if claimed.is_empty() {
            break;
        }
        let sender = match &mut sender {
            Some(s) => s,
            None => sender.insert(Sender::new(config)?),
        };
        let outcomes = sender.send_all(&claimed, seal, clock.naive_now());
        let now = clock.naive_now();
        write_tx(conn, |conn| {
            for (claim, outcome) in claimed.iter().zip(&outcomes) {
                record(conn, config, claim, outcome, now, &mut report)?;
            }
            Ok::<_, anyhow::Error>(())
        })?;
    }
    Ok(report)
}

/// Stores one attempt and its consequence.
fn record(
    conn: &mut DbConnection,
    config: &Config,
    claim: &Claimed,
    outcome: &Outcome,
    now: NaiveDateTime,
    report: &mut WebhookReport,
) -> anyhow::Result<()> {
    webhook::insert_attempt(
        conn,
        &NewAttempt {
            delivery_id: &claim.delivery_id,
            endpoint_id: &claim.endpoint.id,
            attempted_at: outcome.at,
            status_code: outcome.status.map(i32::from),
            latency_ms: outcome.latency.as_millis().min(i32::MAX as u128) as i32,
            response_excerpt: &outcome.excerpt,
            error: outcome.error.as_deref(),
        },
    )?;
    let delivered = outcome.status.is_some_and(rules::is_delivered);
    let kept = if delivered {
        report.delivered += 1;
        webhook::note_success(conn, &claim.endpoint.id)?;
        webhook::mark_delivered(conn, &claim.delivery_id, claim.lease, now)?
    } else {
        report.retrying += 1;
        let next = now + rules::retry_delay(claim.attempts + 1, rand::rng().random::<f64>());
        tracing::warn!(
            endpoint = %claim.endpoint.id,
            event = %claim.event_id,
            status = ?outcome.status,
            error = outcome.error.as_deref().unwrap_or(""),
            next_attempt = %next,
            "webhook not delivered; will retry"
        );
        let since = webhook::note_failure(conn, &claim.endpoint.id, outcome.at)?;
        if let Some(since) = since
            && rules::should_disable(since, now)
            && crate::workflow::webhooks::disable_failing(
                conn,
                config,
                &claim.endpoint,
                since,
                now,
            )?
        {
            report.disabled += 1;
        }
        webhook::mark_retry(conn, &claim.delivery_id, claim.lease, next)?
    };
    if !kept {
        tracing::warn!(
            delivery = %claim.delivery_id,
            "the claim on this delivery ran out during the attempt; another worker owns it now"
        );
    }
    Ok(())
}

/// What one attempt came to.
#[derive(Debug)]
struct Outcome {
    at: NaiveDateTime,
    status: Option<u16>,
    latency: Duration,
    excerpt: String,
    error: Option<String>,
}

/// An HTTP client on a runtime of its own (the jobs run on a blocking thread): no
/// redirects, the configured timeout, no proxy from the environment, and, unless the
/// settings allow them, no private or local addresses.
struct Sender {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    fn new(config: &Config) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.webhook_timeout)
            .no_proxy()
            .user_agent(concat!("Truce-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !config.webhooks_allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = runtime.block_on(async { builder.build() })?;
        Ok(Sender {
            runtime,
            client,
            allow_private: config.webhooks_allow_private,
        })
    }

    fn send_all(
        &mut self,
        claimed: &[Claimed],
        seal: &SealKey,
        now: NaiveDateTime,
    ) -> Vec<Outcome> {
        let sends = claimed.iter().map(|c| self.send(c, seal, now));
        self.runtime.block_on(futures_util::future::join_all(sends))
    }

    async fn send(&self, claim: &Claimed, seal: &SealKey, now: NaiveDateTime) -> Outcome {
        let started = Instant::now();
        let failed = |error: String| Outcome {
            at: now,
            status: None,
            latency: started.elapsed(),
            excerpt: String::new(),
            error: Some(error),
        };
        let keys = match signing_keys(claim, seal, now) {
            Ok(keys) => keys,
            Err(e) => return failed(e),
        };
        if !self.allow_private
            && let Some(reason) = literal_refused(&claim.endpoint.url)
        {
            return failed(reason);
        }
        // The time of sending, by the wall clock: receivers compare it with theirs to refuse
        // replays, whatever clock Truce's rules run on.
        let timestamp = chrono::Utc::now().timestamp();
        let signature = rules::signature_header(&keys, &claim.event_id, timestamp, &claim.payload);
        let request = self
            .client
            .post(&claim.endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &claim.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(claim.payload.clone());
        let mut response = match request.send().await {
            Ok(r) => r,
            Err(e) => return failed(error_text(&e)),
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        let mut error = None;
        while body.len() < rules::EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    error = Some(error_text(&e));
                    break;
                }
            }
        }
        if (300..400).contains(&status) {
            error = Some("a redirect: Truce follows none; give the final address".into());
        }
        Outcome {
            at: now,
            status: Some(status),
            latency: started.elapsed(),
            excerpt: rules::excerpt(&body),
            error,
        }
    }
}

/// The endpoint's current secret, and the previous one during a rotation's overlap.
fn signing_keys(
    claim: &Claimed,
    seal: &SealKey,
    now: NaiveDateTime,
) -> Result<Vec<Vec<u8>>, String> {
    let endpoint = &claim.endpoint;
    let open = |sealed: &str| -> Result<Vec<u8>, String> {
        let text = seal.open(sealed, &endpoint.id).map_err(|e| e.to_string())?;
        rules::secret_key(&String::from_utf8_lossy(&text))
            .ok_or_else(|| "the stored signing secret is damaged; rotate it".to_owned())
    };
    let mut keys = vec![open(&endpoint.secret_sealed)?];
    if let Some(previous) = endpoint.previous_secret(now) {
        keys.push(open(previous)?);
    }
    Ok(keys)
}

/// Resolves host names to their public addresses only: a name that leads to the server's
/// own network (by its DNS record, or one changed after the endpoint was saved) is refused
/// when it is connected to, not only when it is saved.
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let lookup = host.clone();
            let addrs: Vec<SocketAddr> =
                tokio::task::spawn_blocking(move || (lookup.as_str(), 0).to_socket_addrs())
                    .await??
                    .collect();
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| rules::refused_address(a.ip()).is_none())
                .collect();
            if public.is_empty() {
                let why = addrs
                    .first()
                    .and_then(|a| rules::refused_address(a.ip()))
                    .unwrap_or("not found");
                return Err(refusal(&host, why).into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A request error with its causes ("error sending request: ... : connection refused").
fn error_text(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "no answer within the timeout".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}
