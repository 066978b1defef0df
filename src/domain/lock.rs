//! The sales lock check's rules: what each matched record claims, which claim decides, and
//! what the rep is told in plain words. Pure; `workflow::lock_check` finds and scores the
//! records.

use chrono::{NaiveDate, NaiveDateTime};

use super::lifecycle::{Status, format_date};
use super::matching::{Evidence, Verdict};
use super::money;
use super::sla::days_left;

/// What a record says about a prospect, strongest first (the order of [`Claim::rank`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// An approved registration inside its protection window.
    Locked {
        partner: String,
        until: NaiveDateTime,
    },
    /// A registration under review (or waiting for the partner's answer).
    Pending {
        partner: String,
        since: NaiveDateTime,
        /// The SLA deadline; none while the clock is paused for the partner.
        due: Option<NaiveDateTime>,
    },
    /// Direct sales keeps this account.
    Reserved(Reserve),
    /// A direct opportunity with recent activity.
    InPipeline {
        owner: String,
        stage: String,
        last_activity: NaiveDate,
    },
    /// A record exists but claims nothing (a CRM account nobody works, a registration
    /// waiting in line behind another).
    Open,
}

/// Which rule reserves an account for direct sales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserve {
    NamedAccount,
    FlaggedForDirect,
    /// The account lies in a direct-only territory, by name.
    DirectTerritory {
        territory: String,
    },
    /// An active direct opportunity above the policy's direct threshold.
    AboveThreshold {
        threshold: i64,
        currency: String,
    },
}

impl Claim {
    /// Lower is stronger.
    fn rank(&self) -> u8 {
        match self {
            Claim::Locked { .. } => 0,
            Claim::Pending { .. } => 1,
            Claim::Reserved(_) => 2,
            Claim::InPipeline { .. } => 3,
            Claim::Open => 4,
        }
    }

    /// A stable word for the JSON API and CSS.
    pub fn code(&self) -> &'static str {
        match self {
            Claim::Locked { .. } => "locked",
            Claim::Pending { .. } => "pending",
            Claim::Reserved(_) => "reserved",
            Claim::InPipeline { .. } => "in_pipeline",
            Claim::Open => "open",
        }
    }

    /// The heading a rep reads first.
    pub fn title(&self) -> &'static str {
        match self {
            Claim::Locked { .. } => "Locked",
            Claim::Pending { .. } => "Pending",
            Claim::Reserved(_) => "Reserved for direct",
            Claim::InPipeline { .. } => "In direct pipeline",
            Claim::Open => "Open",
        }
    }

    /// What the claim is, in plain words, as of `now`.
    pub fn describe(&self, now: NaiveDateTime) -> String {
        match self {
            Claim::Locked { partner, until } => {
                let left = days_left(*until, now);
                format!(
                    "Registered by {partner}, protected until {} ({left} day{} left).",
                    format_date(*until),
                    if left == 1 { "" } else { "s" }
                )
            }
            Claim::Pending {
                partner,
                since,
                due,
            } => match due {
                Some(due) => format!(
                    "A registration by {partner} is under review since {}; the decision is due by {}.",
                    format_date(*since),
                    format_date(*due)
                ),
                None => format!(
                    "A registration by {partner} is under review since {}; the channel manager is waiting for the partner's answer.",
                    format_date(*since)
                ),
            },
            Claim::Reserved(Reserve::NamedAccount) => {
                "A named account: it is reserved for direct sales.".into()
            }
            Claim::Reserved(Reserve::FlaggedForDirect) => {
                "Flagged in the CRM as reserved for direct sales.".into()
            }
            Claim::Reserved(Reserve::DirectTerritory { territory }) => {
                format!("In the direct-only territory {territory}: reserved for direct sales.")
            }
            Claim::Reserved(Reserve::AboveThreshold {
                threshold,
                currency,
            }) => format!(
                "An active direct opportunity above the direct threshold of {} {currency}: reserved for direct sales.",
                money::group_thousands(*threshold)
            ),
            Claim::InPipeline {
                owner,
                stage,
                last_activity,
            } => format!(
                "An active direct opportunity owned by {owner} ({stage}, last activity {}).",
                last_activity.format("%-d %b %Y")
            ),
            Claim::Open => "No claim on this record.".into(),
        }
    }

    /// What the rep may do.
    pub fn advice(&self) -> &'static str {
        match self {
            Claim::Locked { .. } => {
                "Do not pursue this account; ask the partner to let you assist."
            }
            Claim::Pending { .. } => {
                "Hold off until the channel manager decides; if it is approved the account is locked to the partner."
            }
            Claim::Reserved(_) => "Direct sales may pursue this account.",
            Claim::InPipeline { .. } => {
                "A colleague is working this account; coordinate with the owner before you reach out."
            }
            Claim::Open => "No partner or direct claim was found: you may pursue this account.",
        }
    }
}

/// What a registration in `status` claims.
pub fn registration_claim(
    status: Status,
    partner: &str,
    submitted_at: NaiveDateTime,
    review_due_at: Option<NaiveDateTime>,
    protection_ends_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Option<Claim> {
    match status {
        Status::Approved => match protection_ends_at {
            Some(until) if until > now => Some(Claim::Locked {
                partner: partner.to_owned(),
                until,
            }),
            // Past its window, waiting for the sweep: the prospect is open again.
            _ => None,
        },
        Status::Pending | Status::InfoRequested => Some(Claim::Pending {
            partner: partner.to_owned(),
            since: submitted_at,
            due: if status == Status::Pending {
                review_due_at
            } else {
                None
            },
        }),
        Status::Queued => Some(Claim::Open),
        // Decided, closed or lapsed: no claim, and not worth a rep's attention.
        _ => None,
    }
}

/// A record the engine matched, with what it claims.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit<T> {
    pub record: T,
    pub score: f64,
    pub verdict: Verdict,
    pub evidence: Vec<Evidence>,
    pub claim: Claim,
}

/// The answer to a lock check: the deciding claim and the match that carries it, then the
/// other matches, best score first.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<T> {
    pub claim: Claim,
    pub best: Option<Hit<T>>,
    pub others: Vec<Hit<T>>,
}

/// Only a same-prospect match can decide: the strongest claim among them wins (ties by
/// score). With none, the prospect is open, and the best possible match is shown first so
/// the rep can judge it.
pub fn decide<T>(mut hits: Vec<Hit<T>>) -> Outcome<T> {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    let deciding = hits
        .iter()
        .enumerate()
        .filter(|(_, h)| h.verdict == Verdict::Same && h.claim != Claim::Open)
        .min_by(|(_, a), (_, b)| {
            a.claim
                .rank()
                .cmp(&b.claim.rank())
                .then(b.score.total_cmp(&a.score))
        })
        .map(|(i, _)| i);
    match deciding {
        Some(i) => {
            let best = hits.remove(i);
            Outcome {
                claim: best.claim.clone(),
                best: Some(best),
                others: hits,
            }
        }
        None => {
            let best = (!hits.is_empty()).then(|| hits.remove(0));
            Outcome {
                claim: Claim::Open,
                best,
                others: hits,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn hit(name: &'static str, score: f64, verdict: Verdict, claim: Claim) -> Hit<&'static str> {
        Hit {
            record: name,
            score,
            verdict,
            evidence: Vec::new(),
            claim,
        }
    }

    fn locked() -> Claim {
        Claim::Locked {
            partner: "Northwind Partners".into(),
            until: at(30, 12),
        }
    }

    #[test]
    fn a_locked_registration_beats_every_other_claim() {
        let out = decide(vec![
            hit(
                "account",
                1.0,
                Verdict::Same,
                Claim::Reserved(Reserve::NamedAccount),
            ),
            hit("registration", 0.93, Verdict::Same, locked()),
            hit("other", 0.75, Verdict::Possible, Claim::Open),
        ]);
        assert_eq!(out.claim.code(), "locked");
        assert_eq!(out.best.unwrap().record, "registration");
        let others: Vec<_> = out.others.iter().map(|h| h.record).collect();
        assert_eq!(others, ["account", "other"]);
    }

    #[test]
    fn a_possible_match_never_decides() {
        let out = decide(vec![
            hit("weak", 0.8, Verdict::Possible, locked()),
            hit("account", 0.95, Verdict::Same, Claim::Open),
        ]);
        assert_eq!(out.claim, Claim::Open);
        // The best-scored record leads, so the rep sees the account and, below it, the
        // possible duplicate that is locked.
        assert_eq!(out.best.unwrap().record, "account");
        assert_eq!(out.others[0].claim.code(), "locked");
        let empty: Outcome<&str> = decide(Vec::new());
        assert_eq!(empty.claim, Claim::Open);
        assert!(empty.best.is_none());
    }

    #[test]
    fn claims_rank_pending_above_reserved_above_pipeline() {
        let pipeline = Claim::InPipeline {
            owner: "rep@vendor.example".into(),
            stage: "Proposal".into(),
            last_activity: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        };
        let pending = Claim::Pending {
            partner: "P".into(),
            since: at(20, 9),
            due: Some(at(22, 9)),
        };
        let out = decide(vec![
            hit("opp", 1.0, Verdict::Same, pipeline.clone()),
            hit(
                "acct",
                1.0,
                Verdict::Same,
                Claim::Reserved(Reserve::FlaggedForDirect),
            ),
        ]);
        assert_eq!(out.claim.code(), "reserved");
        let out = decide(vec![
            hit("opp", 1.0, Verdict::Same, pipeline),
            hit("reg", 0.9, Verdict::Same, pending),
        ]);
        assert_eq!(out.claim.code(), "pending");
    }

    #[test]
    fn registrations_claim_by_status_and_window() {
        let now = at(23, 12);
        let claim = |status, ends| {
            registration_claim(status, "P", at(1, 9), Some(at(3, 9)), ends, now).map(|c| c.code())
        };
        assert_eq!(claim(Status::Approved, Some(at(30, 0))), Some("locked"));
        // The window ended an hour ago; the sweep has not run yet.
        assert_eq!(claim(Status::Approved, Some(at(23, 11))), None);
        assert_eq!(claim(Status::Pending, None), Some("pending"));
        assert_eq!(claim(Status::InfoRequested, None), Some("pending"));
        assert_eq!(claim(Status::Queued, None), Some("open"));
        for s in [
            Status::Expired,
            Status::Rejected,
            Status::Withdrawn,
            Status::Won,
        ] {
            assert_eq!(claim(s, None), None, "{s:?}");
        }
        let info = registration_claim(Status::InfoRequested, "P", at(1, 9), None, None, now);
        assert!(
            info.unwrap()
                .describe(now)
                .contains("waiting for the partner")
        );
    }

    #[test]
    fn the_words_a_rep_reads() {
        let now = at(23, 12);
        assert_eq!(
            locked().describe(now),
            "Registered by Northwind Partners, protected until 30 Nov 2026 (7 days left)."
        );
        assert!(
            locked()
                .advice()
                .contains("ask the partner to let you assist")
        );
        let reserved = Claim::Reserved(Reserve::AboveThreshold {
            threshold: 100_000,
            currency: "USD".into(),
        });
        assert!(
            reserved.describe(now).contains("100,000 USD"),
            "{}",
            reserved.describe(now)
        );
        assert_eq!(Claim::Open.title(), "Open");
    }
}

/// What one search box holds, as a name and a domain for the engine: a website or an email
/// address is searched by its domain and by the domain's name ("acme.co.uk" also finds
/// "ACME Ltd"), anything else by name. `None` for a blank box.
pub fn search_terms(text: &str) -> Option<(String, Option<String>)> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let looks_like_address = !text.contains(char::is_whitespace)
        && (text.contains('@') || text.contains("://") || text.contains('.'));
    if looks_like_address {
        let domain = if text.contains('@') {
            super::matching::email_domain(text)
        } else {
            super::matching::normalize_domain(text)
        };
        if let Some(domain) = domain {
            let name = domain.split('.').next().unwrap_or(&domain).to_owned();
            return Some((name, Some(domain)));
        }
    }
    Some((text.to_owned(), None))
}

#[cfg(test)]
mod search_terms_tests {
    use super::search_terms;

    #[test]
    fn names_websites_and_addresses() {
        assert_eq!(search_terms("  "), None);
        assert_eq!(
            search_terms("Acme Holdings GmbH"),
            Some(("Acme Holdings GmbH".into(), None))
        );
        assert_eq!(
            search_terms("https://www.eu.acme.co.uk/about"),
            Some(("acme".into(), Some("acme.co.uk".into())))
        );
        assert_eq!(
            search_terms("jo@acme.de"),
            Some(("acme".into(), Some("acme.de".into())))
        );
        // A free-mail address names no company: searched as typed.
        assert_eq!(
            search_terms("jo@gmail.com"),
            Some(("jo@gmail.com".into(), None))
        );
        // "St. Gallen" has a dot but is a name.
        assert_eq!(
            search_terms("St. Gallen Bank"),
            Some(("St. Gallen Bank".into(), None))
        );
    }
}
