//! The sales lock check's rules: what each matched record claims, which claim decides, and
//! what the rep is told in plain words. Pure; `workflow::lock_check` finds and scores the
//! records.
//!
//! The verdict is a ladder that is honest about doubt (DESIGN.md, "Prospect identity and
//! matching"): a claim on a *same prospect* match decides (Locked, Pending, Partner
//! customer, Reserved for direct, In direct pipeline); else a claim on a *possible* match
//! gives **Check first**, naming the claim and its evidence; only where no matched record
//! claims anything is the answer **Open**, with past registrations listed under it. A rep
//! who pursues a partner's prospect because Truce said "go" is the incident the product
//! exists to prevent, so doubt never reads as "go".

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};

use super::dates::{self, day};
use super::lifecycle::{Lifecycle, Status};
use super::matching::{Evidence, Verdict};
use super::money;
use super::sla::days_left;

/// What a record says about a prospect. The first five are claims, strongest first (the
/// order of [`Claim::rank`]); the last two claim nothing.
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
    /// A deal the partner closed won, inside the program's customer-protection period: the
    /// prospect is that partner's customer.
    Customer {
        partner: String,
        won_on: NaiveDate,
        /// The first day it is no longer protected as their customer.
        until: NaiveDate,
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
    /// A registration that once claimed the prospect and no longer does: history.
    Past(Past),
}

/// How a registration stopped claiming its prospect, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Past {
    pub partner: String,
    /// Expired, rejected, withdrawn, lost, overturned, or won (outside customer protection).
    pub status: Status,
    pub on: NaiveDate,
    /// For a deal won: when its customer protection ended (`None` when the program has none).
    pub customer_until: Option<NaiveDate>,
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
    /// Lower is stronger; `None` for what claims nothing.
    fn rank(&self) -> Option<u8> {
        match self {
            Claim::Locked { .. } => Some(0),
            Claim::Pending { .. } => Some(1),
            Claim::Customer { .. } => Some(2),
            Claim::Reserved(_) => Some(3),
            Claim::InPipeline { .. } => Some(4),
            Claim::Open | Claim::Past(_) => None,
        }
    }

    /// Whether the record stands between a rep and the prospect.
    pub fn is_claim(&self) -> bool {
        self.rank().is_some()
    }

    /// A stable word for the JSON API and CSS.
    pub fn code(&self) -> &'static str {
        match self {
            Claim::Locked { .. } => "locked",
            Claim::Pending { .. } => "pending",
            Claim::Customer { .. } => "partner_customer",
            Claim::Reserved(_) => "reserved",
            Claim::InPipeline { .. } => "in_pipeline",
            Claim::Open => "open",
            Claim::Past(_) => "history",
        }
    }

    /// The heading a rep reads first.
    pub fn title(&self) -> &'static str {
        match self {
            Claim::Locked { .. } => "Locked",
            Claim::Pending { .. } => "Pending",
            Claim::Customer { .. } => "Partner customer",
            Claim::Reserved(_) => "Reserved for direct",
            Claim::InPipeline { .. } => "In direct pipeline",
            Claim::Open => "Open",
            Claim::Past(p) => match p.status {
                Status::Expired => "Expired",
                Status::Rejected => "Rejected",
                Status::Withdrawn => "Withdrawn",
                Status::Lost => "Closed lost",
                Status::Won => "Won earlier",
                Status::Overturned => "Overturned",
                _ => "Closed",
            },
        }
    }

    /// What the claim is, in plain words, as of `now`.
    pub fn describe(&self, now: NaiveDateTime) -> String {
        match self {
            Claim::Locked { partner, until } => {
                let left = days_left(*until, now);
                format!(
                    "Registered by {partner}, protected until {} ({left} day{} left).",
                    dates::date(*until),
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
                    dates::date(*since),
                    dates::date(*due)
                ),
                None => format!(
                    "A registration by {partner} is under review since {}; the channel manager is waiting for the partner's answer.",
                    dates::date(*since)
                ),
            },
            Claim::Customer {
                partner,
                won_on,
                until,
            } => format!(
                "Won by {partner} on {}: their customer, protected until {}.",
                day(*won_on),
                day(*until)
            ),
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
                day(*last_activity)
            ),
            Claim::Open => "No claim on this record.".into(),
            Claim::Past(p) => {
                let on = day(p.on);
                let partner = &p.partner;
                match p.status {
                    Status::Expired => {
                        format!("Registered by {partner}; protection expired {on}, open since.")
                    }
                    Status::Won => match p.customer_until {
                        Some(until) => format!(
                            "Won by {partner} on {on}; their customer protection ended {}.",
                            day(until)
                        ),
                        None => format!("Won by {partner} on {on}."),
                    },
                    Status::Lost => format!("Registered by {partner}; closed lost {on}."),
                    Status::Overturned => {
                        format!("Registered by {partner}; overturned by a dispute ruling {on}.")
                    }
                    other => format!(
                        "Registered by {partner}; {} {on}.",
                        other.label().to_lowercase()
                    ),
                }
            }
        }
    }

    /// The claim as one clause about the record named `name`, for a Check first verdict:
    /// "A registration by Nordlight of Westfield Pillar Wireless AB is under review".
    fn clause(&self, name: &str) -> String {
        match self {
            Claim::Locked { partner, until } => format!(
                "A registration by {partner} of {name} is approved and protected until {}",
                dates::date(*until)
            ),
            Claim::Pending { partner, .. } => {
                format!("A registration by {partner} of {name} is under review")
            }
            Claim::Customer {
                partner,
                won_on,
                until,
            } => format!(
                "{name} was won by {partner} on {} and is their customer until {}",
                day(*won_on),
                day(*until)
            ),
            Claim::Reserved(reserve) => format!(
                "{name} is reserved for direct sales ({})",
                match reserve {
                    Reserve::NamedAccount => "a named account".to_owned(),
                    Reserve::FlaggedForDirect => "flagged in the CRM".to_owned(),
                    Reserve::DirectTerritory { territory } =>
                        format!("direct-only territory {territory}"),
                    Reserve::AboveThreshold { .. } =>
                        "an active direct opportunity above the direct threshold".to_owned(),
                }
            ),
            Claim::InPipeline { owner, stage, .. } => {
                format!("{name} is in {owner}'s direct pipeline ({stage})")
            }
            Claim::Open | Claim::Past(_) => format!("{name} is known"),
        }
    }

    /// What the rep may do when this claim decides.
    pub fn advice(&self) -> &'static str {
        match self {
            Claim::Locked { .. } => {
                "Do not pursue this account; ask the partner to let you assist."
            }
            Claim::Pending { .. } => {
                "Hold off until the channel manager decides; if it is approved the account is locked to the partner."
            }
            Claim::Customer { .. } => {
                "This is a partner's customer: coordinate with the channel team before you reach out."
            }
            Claim::Reserved(_) => "Direct sales may pursue this account.",
            Claim::InPipeline { .. } => {
                "A colleague is working this account; coordinate with the owner before you reach out."
            }
            Claim::Open | Claim::Past(_) => {
                "No partner or direct claim was found: you may pursue this account."
            }
        }
    }
}

/// What a registration in `state` claims as of `now`, under a customer protection of
/// `customer_days` (0: none). `None` for a registration not worth a rep's attention (one
/// declined as a duplicate of another).
pub fn registration_claim(
    state: &Lifecycle,
    partner: &str,
    submitted_at: NaiveDateTime,
    customer_days: i64,
    now: NaiveDateTime,
) -> Option<Claim> {
    let past = |status: Status, on: Option<NaiveDateTime>, customer_until| {
        Some(Claim::Past(Past {
            partner: partner.to_owned(),
            status,
            on: on.unwrap_or(submitted_at).date(),
            customer_until,
        }))
    };
    match state.status {
        Status::Approved => match state.protection_ends_at {
            Some(until) if until > now => Some(Claim::Locked {
                partner: partner.to_owned(),
                until,
            }),
            // Past its window, waiting for the sweep: the prospect is open again.
            ends => past(Status::Expired, ends, None),
        },
        Status::Pending | Status::InfoRequested => Some(Claim::Pending {
            partner: partner.to_owned(),
            since: submitted_at,
            due: if state.status == Status::Pending {
                state.review_due_at
            } else {
                None
            },
        }),
        Status::Won => {
            let won_on = state
                .close_date
                .or(state.closed_at.map(|at| at.date()))
                .unwrap_or(submitted_at.date());
            let until = (customer_days > 0).then(|| won_on + TimeDelta::days(customer_days));
            match until {
                Some(until) if now.date() < until => Some(Claim::Customer {
                    partner: partner.to_owned(),
                    won_on,
                    until,
                }),
                _ => Some(Claim::Past(Past {
                    partner: partner.to_owned(),
                    status: Status::Won,
                    on: won_on,
                    customer_until: until,
                })),
            }
        }
        Status::Queued => Some(Claim::Open),
        Status::Expired => past(Status::Expired, state.protection_ends_at, None),
        status @ (Status::Rejected | Status::Withdrawn | Status::Lost | Status::Overturned) => {
            past(status, state.closed_at.or(state.decided_at), None)
        }
        // Declined as a duplicate of another: that other one is the prospect's story.
        Status::Declined => None,
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

/// Which rung of the ladder the answer stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A same-prospect match carries the claim: its verdict is the claim's.
    Claimed,
    /// Only a possible match carries a claim: confirm before pursuing.
    CheckFirst,
    /// No matched record claims anything.
    Open,
}

/// The answer to a lock check: the claim that decides it (or that Check first names) and
/// the match that carries it, the other matches best score first, and the history.
#[derive(Debug, Clone, PartialEq)]
pub struct LockResult<T> {
    pub answer: Answer,
    /// The deciding claim; for Check first the one it names; [`Claim::Open`] when open.
    pub claim: Claim,
    /// The match carrying `claim`; when open, the best-scored match, if any.
    pub best: Option<Hit<T>>,
    pub others: Vec<Hit<T>>,
    /// Registrations that claimed the prospect once (expired, rejected, lost, won before the
    /// customer protection ended ...), best score first.
    pub history: Vec<Hit<T>>,
}

impl<T> LockResult<T> {
    /// The verdict's stable code (the JSON API's `verdict`).
    pub fn code(&self) -> &'static str {
        match self.answer {
            Answer::Claimed => self.claim.code(),
            Answer::CheckFirst => "check_first",
            Answer::Open => "open",
        }
    }

    pub fn title(&self) -> &'static str {
        match self.answer {
            Answer::Claimed => self.claim.title(),
            Answer::CheckFirst => "Check first",
            Answer::Open => "Open",
        }
    }

    pub fn advice(&self) -> &'static str {
        match self.answer {
            Answer::Claimed => self.claim.advice(),
            Answer::CheckFirst => {
                "This may be the same company: confirm with the channel team before you reach out."
            }
            Answer::Open => Claim::Open.advice(),
        }
    }

    /// What the rep reads under the verdict's title; `name` names a matched record.
    pub fn message(&self, now: NaiveDateTime, name: impl Fn(&T) -> String) -> String {
        match (self.answer, &self.best) {
            (Answer::Claimed, _) => self.claim.describe(now),
            (Answer::CheckFirst, Some(best)) => {
                let why: Vec<&str> = best.evidence.iter().map(|e| e.detail.as_str()).collect();
                let clause = self.claim.clause(&name(&best.record));
                if why.is_empty() {
                    format!("{clause}. Match {:.2}.", best.score)
                } else {
                    format!("{clause}. Match {:.2}: {}.", best.score, why.join("; "))
                }
            }
            (Answer::CheckFirst, None) => self.claim.describe(now),
            (Answer::Open, _) if self.best.is_none() && self.history.is_empty() => {
                "Nothing in the CRM or among partner registrations matches this prospect.".into()
            }
            (Answer::Open, _) if self.best.is_none() => {
                "No partner or direct claim on this prospect now. Past registrations of it are listed below.".into()
            }
            (Answer::Open, _) => {
                "No partner or direct claim on this prospect. Check the possible matches below.".into()
            }
        }
    }
}

/// The strongest claim among `hits` that `eligible` lets through: by rank, then by score.
fn strongest<T>(hits: &[Hit<T>], eligible: impl Fn(&Hit<T>) -> bool) -> Option<usize> {
    hits.iter()
        .enumerate()
        .filter(|(_, h)| eligible(h))
        .filter_map(|(i, h)| h.claim.rank().map(|rank| (i, rank, h.score)))
        .min_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)))
        .map(|(i, ..)| i)
}

/// Climbs the ladder: a claim on a same-prospect match decides; else a claim on a possible
/// match makes it Check first; else it is open. Past registrations go to the history.
pub fn decide<T>(mut hits: Vec<Hit<T>>) -> LockResult<T> {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    let (history, mut hits): (Vec<_>, Vec<_>) = hits
        .into_iter()
        .partition(|h| matches!(h.claim, Claim::Past(_)));
    let (answer, at) = match strongest(&hits, |h| h.verdict == Verdict::Same) {
        Some(i) => (Answer::Claimed, Some(i)),
        None => match strongest(&hits, |h| h.verdict == Verdict::Possible) {
            Some(i) => (Answer::CheckFirst, Some(i)),
            None => (Answer::Open, (!hits.is_empty()).then_some(0)),
        },
    };
    let best = at.map(|i| hits.remove(i));
    let claim = match (&best, answer) {
        (Some(best), Answer::Claimed | Answer::CheckFirst) => best.claim.clone(),
        _ => Claim::Open,
    };
    LockResult {
        answer,
        claim,
        best,
        others: hits,
        history,
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

    fn pending() -> Claim {
        Claim::Pending {
            partner: "Nordlight IT Services".into(),
            since: at(20, 9),
            due: Some(at(22, 9)),
        }
    }

    fn customer() -> Claim {
        Claim::Customer {
            partner: "Alpha Partners".into(),
            won_on: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            until: NaiveDate::from_ymd_opt(2027, 3, 3).unwrap(),
        }
    }

    fn expired() -> Claim {
        Claim::Past(Past {
            partner: "Alpha Partners".into(),
            status: Status::Expired,
            on: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
            customer_until: None,
        })
    }

    fn name(r: &&str) -> String {
        (*r).to_owned()
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
        assert_eq!(out.answer, Answer::Claimed);
        assert_eq!(out.code(), "locked");
        assert_eq!(out.best.unwrap().record, "registration");
        let others: Vec<_> = out.others.iter().map(|h| h.record).collect();
        assert_eq!(others, ["account", "other"]);
    }

    #[test]
    fn a_claim_on_a_possible_match_says_check_first_never_open() {
        let mut weak = hit(
            "Westfield Pillar Wireless AB",
            0.89,
            Verdict::Possible,
            pending(),
        );
        weak.evidence = vec![Evidence {
            field: super::super::matching::Field::Name,
            kind: super::super::matching::EvidenceKind::MissingWords,
            detail: "missing word: wireless".into(),
            strength: 0.5,
        }];
        let out = decide(vec![
            weak,
            hit(
                "Westfield Pillar Inc (account)",
                0.95,
                Verdict::Same,
                Claim::Open,
            ),
        ]);
        assert_eq!(out.answer, Answer::CheckFirst);
        assert_eq!(out.code(), "check_first");
        assert_eq!(out.title(), "Check first");
        assert_eq!(out.claim, pending());
        assert_eq!(
            out.best.as_ref().unwrap().record,
            "Westfield Pillar Wireless AB"
        );
        assert_eq!(
            out.message(at(23, 12), name),
            "A registration by Nordlight IT Services of Westfield Pillar Wireless AB is under \
             review. Match 0.89: missing word: wireless."
        );
        assert!(out.advice().contains("confirm with the channel team"));
        assert_eq!(out.others[0].record, "Westfield Pillar Inc (account)");
    }

    #[test]
    fn check_first_names_the_strongest_possible_claim() {
        let pipeline = Claim::InPipeline {
            owner: "dana@vendor.example".into(),
            stage: "Proposal".into(),
            last_activity: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        };
        let out = decide(vec![
            hit("opp", 0.88, Verdict::Possible, pipeline),
            hit("reg", 0.72, Verdict::Possible, locked()),
        ]);
        assert_eq!(out.code(), "check_first");
        assert_eq!(out.best.as_ref().unwrap().record, "reg");
        assert!(
            out.message(at(23, 12), name)
                .starts_with("A registration by Northwind Partners of reg is approved")
        );
    }

    #[test]
    fn open_only_where_nothing_claims_and_history_is_listed_under_it() {
        let empty: LockResult<&str> = decide(Vec::new());
        assert_eq!(empty.answer, Answer::Open);
        assert!(empty.best.is_none());
        assert_eq!(
            empty.message(at(23, 12), name),
            "Nothing in the CRM or among partner registrations matches this prospect."
        );

        let out = decide(vec![hit("old", 1.0, Verdict::Same, expired())]);
        assert_eq!(out.code(), "open");
        assert!(out.best.is_none());
        assert_eq!(out.history.len(), 1);
        assert!(out.message(at(23, 12), name).contains("Past registrations"));
        assert_eq!(
            out.history[0].claim.describe(at(23, 12)),
            "Registered by Alpha Partners; protection expired 3 Mar 2026, open since."
        );

        let out = decide(vec![
            hit("account", 0.95, Verdict::Same, Claim::Open),
            hit("old", 0.8, Verdict::Possible, expired()),
        ]);
        assert_eq!(out.code(), "open");
        assert_eq!(out.best.as_ref().unwrap().record, "account");
        assert_eq!(out.history.len(), 1);
        assert_eq!(out.advice(), Claim::Open.advice());
    }

    #[test]
    fn claims_rank_locked_pending_customer_reserved_pipeline() {
        let pipeline = Claim::InPipeline {
            owner: "rep@vendor.example".into(),
            stage: "Proposal".into(),
            last_activity: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        };
        let reserved = Claim::Reserved(Reserve::FlaggedForDirect);
        let ladder = [locked(), pending(), customer(), reserved, pipeline];
        for (i, stronger) in ladder.iter().enumerate() {
            for weaker in &ladder[i + 1..] {
                let out = decide(vec![
                    hit("weaker", 1.0, Verdict::Same, weaker.clone()),
                    hit("stronger", 0.91, Verdict::Same, stronger.clone()),
                ]);
                assert_eq!(out.claim, *stronger, "{stronger:?} over {weaker:?}");
                // A same-prospect claim of any strength beats a stronger possible one.
                let out = decide(vec![
                    hit("possible", 0.89, Verdict::Possible, stronger.clone()),
                    hit("same", 0.9, Verdict::Same, weaker.clone()),
                ]);
                assert_eq!((out.answer, out.claim), (Answer::Claimed, weaker.clone()));
            }
        }
    }

    fn state(status: Status) -> Lifecycle {
        Lifecycle {
            status,
            review_due_at: Some(at(3, 9)),
            sla_paused_secs: None,
            sla_escalated_at: None,
            queued_behind: None,
            decided_at: Some(at(2, 9)),
            decided_policy_version: None,
            protection_ends_at: None,
            reminder_sent_at: None,
            renewal: None,
            renewal_note: None,
            closed_at: Some(at(10, 9)),
            close_amount_minor: None,
            close_date: None,
            outcome_reason: None,
        }
    }

    #[test]
    fn registrations_claim_by_status_and_window() {
        let now = at(23, 12);
        let claim = |s: Lifecycle| registration_claim(&s, "P", at(1, 9), 365, now);
        let code = |s: Lifecycle| claim(s).map(|c| c.code());
        let approved = |ends| Lifecycle {
            protection_ends_at: Some(ends),
            ..state(Status::Approved)
        };
        assert_eq!(code(approved(at(30, 0))), Some("locked"));
        // The window ended an hour ago; the sweep has not run yet: history, not a claim.
        assert_eq!(code(approved(at(23, 11))), Some("history"));
        assert_eq!(code(state(Status::Pending)), Some("pending"));
        assert_eq!(code(state(Status::InfoRequested)), Some("pending"));
        assert_eq!(code(state(Status::Queued)), Some("open"));
        assert_eq!(code(state(Status::Declined)), None);
        for s in [
            Status::Expired,
            Status::Rejected,
            Status::Withdrawn,
            Status::Lost,
            Status::Overturned,
        ] {
            assert_eq!(code(state(s)), Some("history"), "{s:?}");
        }
        let rejected = claim(state(Status::Rejected)).unwrap().describe(now);
        assert_eq!(rejected, "Registered by P; rejected 10 Nov 2026.");
        let info = claim(state(Status::InfoRequested)).unwrap();
        assert!(info.describe(now).contains("waiting for the partner"));
    }

    #[test]
    fn a_won_deal_makes_a_customer_for_the_protection_period_to_its_boundary() {
        let won_on = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let won = Lifecycle {
            close_date: Some(won_on),
            ..state(Status::Won)
        };
        let noon = |date: NaiveDate| date.and_hms_opt(12, 0, 0).unwrap();
        let until = NaiveDate::from_ymd_opt(2027, 3, 3).unwrap();
        let inside = registration_claim(
            &won,
            "Alpha",
            at(1, 9),
            365,
            noon(until.pred_opt().unwrap()),
        );
        assert_eq!(
            inside,
            Some(Claim::Customer {
                partner: "Alpha".into(),
                won_on,
                until
            })
        );
        assert_eq!(
            inside.unwrap().describe(at(23, 12)),
            "Won by Alpha on 3 Mar 2026: their customer, protected until 3 Mar 2027."
        );
        let after = registration_claim(&won, "Alpha", at(1, 9), 365, noon(until)).unwrap();
        assert_eq!(after.code(), "history");
        assert_eq!(
            after.describe(noon(until)),
            "Won by Alpha on 3 Mar 2026; their customer protection ended 3 Mar 2027."
        );
        // 0 days turns customer protection off.
        let off = registration_claim(&won, "Alpha", at(1, 9), 0, noon(won_on)).unwrap();
        assert_eq!(off.describe(noon(won_on)), "Won by Alpha on 3 Mar 2026.");
        assert!(!off.is_claim());
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
        assert!(
            customer()
                .advice()
                .contains("coordinate with the channel team")
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
        assert_eq!(customer().title(), "Partner customer");
        assert_eq!(customer().code(), "partner_customer");
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
