//! The audit log's rules: what an event says (who, with which role, from which address,
//! did what to which record), how it reads on the admin page, and the hash chain that makes
//! the log tamper-evident.
//!
//! Each event stores the SHA-256 of its own fields and of the event before it, in a
//! sequence with no gaps. Changing a stored event changes what its hash should be;
//! replacing its hash as well breaks the next event's link; deleting one leaves a gap;
//! deleting the newest ones leaves the chain head (a one-row table the writers update)
//! ahead of the last event. [`Chain`] walks the events in sequence order with constant
//! memory and names the first link that does not hold. Someone who can rewrite the whole
//! table *and* the head can forge a consistent chain: operators who need more keep the
//! head hash `truce audit verify` prints somewhere else, and compare.

use std::fmt::Write as _;

use chrono::{NaiveDateTime, Timelike};
use sha2::{Digest, Sha256};

use super::code::text_enum;
use super::lifecycle::EventKind;
use super::role::Role;

text_enum! {
    /// What was done. Stored as text in `audit_events.action`; read back as text, so an
    /// event written by another release (or with a code this one does not know) still
    /// shows, by its code, instead of failing the page.
    pub enum Action {
        SignedIn,
        SignInFailed,
        SignedOut,
        PasswordChanged,
        /// Through an invitation or a reset link.
        PasswordSet,
        /// "Forgot your password?": a link was emailed.
        PasswordResetRequested,
        /// An admin's "new sign-in link".
        PasswordLinkSent,
        MfaEnrolled,
        MfaDisabled,
        MfaRecoveryUsed,
        UserCreated,
        UserUpdated,
        RoleChanged,
        UserDisabled,
        UserEnabled,
        OrgCreated,
        OrgUpdated,
        PolicyChanged,
        CompensationChanged,
        TerritorySaved,
        TerritoryMode,
        RoePublished,
        RoeAcknowledged,
        RegistrationApproved,
        RegistrationRejected,
        RegistrationInfoRequested,
        RegistrationInfoAnswered,
        RegistrationWithdrawn,
        RegistrationRenewalRequested,
        RegistrationRenewalApproved,
        RegistrationRenewalRejected,
        RegistrationClosedWon,
        RegistrationClosedLost,
        RegistrationReinstated,
        RegistrationOverturned,
        /// The channel team declined a registration flagged as sharing a prospect.
        RegistrationDeclined,
        /// The channel team kept a flagged registration as a different company.
        RegistrationKept,
        /// Any other change a person made to a registration (the detail says which).
        RegistrationChanged,
        DisputeRaised,
        DisputeResolved,
        ApiTokenCreated,
        ApiTokenRevoked,
        WebhookCreated,
        WebhookChanged,
        WebhookSecretRotated,
    }
}

impl Action {
    /// In plain words, as the admin page lists it.
    pub fn label(self) -> &'static str {
        match self {
            Action::SignedIn => "Signed in",
            Action::SignInFailed => "Sign-in failed",
            Action::SignedOut => "Signed out",
            Action::PasswordChanged => "Changed their password",
            Action::PasswordSet => "Chose a password through an emailed link",
            Action::PasswordResetRequested => "Asked for a password link",
            Action::PasswordLinkSent => "Emailed a new sign-in link",
            Action::MfaEnrolled => "Turned on two-factor sign-in",
            Action::MfaDisabled => "Turned off two-factor sign-in",
            Action::MfaRecoveryUsed => "Signed in with a recovery code",
            Action::UserCreated => "Added a user",
            Action::UserUpdated => "Changed a user's details",
            Action::RoleChanged => "Changed a user's role",
            Action::UserDisabled => "Disabled a user",
            Action::UserEnabled => "Enabled a user",
            Action::OrgCreated => "Added a partner organisation",
            Action::OrgUpdated => "Changed a partner organisation",
            Action::PolicyChanged => "Changed the program policy",
            Action::CompensationChanged => "Changed the compensation rules",
            Action::TerritorySaved => "Saved a territory",
            Action::TerritoryMode => "Chose the territory check",
            Action::RoePublished => "Published the rules of engagement",
            Action::RoeAcknowledged => "Acknowledged the rules of engagement",
            Action::RegistrationApproved => "Approved a registration",
            Action::RegistrationRejected => "Rejected a registration",
            Action::RegistrationInfoRequested => "Asked the partner for information",
            Action::RegistrationInfoAnswered => "Answered a request for information",
            Action::RegistrationWithdrawn => "Withdrew a registration",
            Action::RegistrationRenewalRequested => "Asked to renew a registration",
            Action::RegistrationRenewalApproved => "Approved a renewal",
            Action::RegistrationRenewalRejected => "Rejected a renewal",
            Action::RegistrationClosedWon => "Closed a deal as won",
            Action::RegistrationClosedLost => "Closed a deal as lost",
            Action::RegistrationReinstated => "Reinstated a registration by a ruling",
            Action::RegistrationOverturned => "Overturned a registration by a ruling",
            Action::RegistrationDeclined => "Declined a registration of a prospect held twice",
            Action::RegistrationKept => "Kept a registration of a prospect held twice",
            Action::RegistrationChanged => "Changed a registration",
            Action::DisputeRaised => "Raised a dispute",
            Action::DisputeResolved => "Ruled on a dispute",
            Action::ApiTokenCreated => "Created an API token",
            Action::ApiTokenRevoked => "Revoked an API token",
            Action::WebhookCreated => "Added a webhook endpoint",
            Action::WebhookChanged => "Changed a webhook endpoint",
            Action::WebhookSecretRotated => "Rotated a webhook endpoint's signing secret",
        }
    }

    /// The heading the action's filter option sits under.
    pub fn group(self) -> &'static str {
        use Action::*;
        match self {
            SignedIn
            | SignInFailed
            | SignedOut
            | PasswordChanged
            | PasswordSet
            | PasswordResetRequested
            | PasswordLinkSent
            | MfaEnrolled
            | MfaDisabled
            | MfaRecoveryUsed
            | ApiTokenCreated
            | ApiTokenRevoked => "Sign-in and access",
            WebhookCreated | WebhookChanged | WebhookSecretRotated => "Integrations",
            UserCreated | UserUpdated | RoleChanged | UserDisabled | UserEnabled | OrgCreated
            | OrgUpdated => "Users and organisations",
            PolicyChanged | CompensationChanged | TerritorySaved | TerritoryMode | RoePublished
            | RoeAcknowledged => "Program rules",
            RegistrationApproved
            | RegistrationRejected
            | RegistrationInfoRequested
            | RegistrationInfoAnswered
            | RegistrationWithdrawn
            | RegistrationRenewalRequested
            | RegistrationRenewalApproved
            | RegistrationRenewalRejected
            | RegistrationClosedWon
            | RegistrationClosedLost
            | RegistrationReinstated
            | RegistrationOverturned
            | RegistrationDeclined
            | RegistrationKept
            | RegistrationChanged => "Registrations",
            DisputeRaised | DisputeResolved => "Disputes",
        }
    }

    /// The action a person's registration transition is recorded as.
    pub fn of_registration(kind: EventKind) -> Action {
        match kind {
            EventKind::Approved => Action::RegistrationApproved,
            EventKind::Rejected => Action::RegistrationRejected,
            EventKind::InfoRequested => Action::RegistrationInfoRequested,
            EventKind::InfoAnswered => Action::RegistrationInfoAnswered,
            EventKind::Withdrawn => Action::RegistrationWithdrawn,
            EventKind::RenewalRequested => Action::RegistrationRenewalRequested,
            EventKind::RenewalApproved => Action::RegistrationRenewalApproved,
            EventKind::RenewalRejected => Action::RegistrationRenewalRejected,
            EventKind::ClosedWon => Action::RegistrationClosedWon,
            EventKind::ClosedLost => Action::RegistrationClosedLost,
            EventKind::Reinstated => Action::RegistrationReinstated,
            EventKind::Overturned => Action::RegistrationOverturned,
            EventKind::Declined => Action::RegistrationDeclined,
            EventKind::SharedProspectKept => Action::RegistrationKept,
            _ => Action::RegistrationChanged,
        }
    }
}

/// A stored action code in plain words: its label, or for a code this release does not
/// know, the code itself with spaces ("mfa_reset" reads "Mfa reset").
pub fn action_label(code: &str) -> String {
    match Action::parse(code) {
        Some(a) => a.label().to_owned(),
        None => {
            let spaced = code.replace('_', " ");
            let mut chars = spaced.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

/// Who did something: the signed-in user and their role at that moment, and the client
/// address the request came from. Nobody (`None`) for Truce itself and for an anonymous
/// request (a failed sign-in, a password link asked for); the address is still kept then.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    pub user_id: Option<String>,
    pub role: Option<Role>,
    pub client_addr: Option<String>,
}

impl Who {
    /// Truce acting on its own, or a command run on the server's shell.
    pub const SYSTEM: Who = Who {
        user_id: None,
        role: None,
        client_addr: None,
    };

    pub fn user(user_id: &str, role: Role, client_addr: Option<String>) -> Who {
        Who {
            user_id: Some(user_id.to_owned()),
            role: Some(role),
            client_addr,
        }
    }

    /// A request by someone not signed in.
    pub fn anonymous(client_addr: Option<String>) -> Who {
        Who {
            client_addr,
            ..Who::SYSTEM
        }
    }
}

text_enum! {
    /// What kind of record an event is about: the part of `subject` before the colon
    /// ("registration:0193…").
    pub enum SubjectKind {
        User,
        Org,
        Policy,
        Compensation,
        Territory,
        /// The territory check's mode (block or flag): one setting, no id.
        TerritoryCheck,
        Roe,
        Registration,
        Dispute,
        ApiToken,
        Webhook,
    }
}

impl SubjectKind {
    pub fn label(self) -> &'static str {
        match self {
            SubjectKind::User => "User",
            SubjectKind::Org => "Organisation",
            SubjectKind::Policy => "Policy version",
            SubjectKind::Compensation => "Compensation rules version",
            SubjectKind::Territory => "Territory",
            SubjectKind::TerritoryCheck => "Territory check",
            SubjectKind::Roe => "Rules of engagement version",
            SubjectKind::Registration => "Registration",
            SubjectKind::Dispute => "Dispute",
            SubjectKind::ApiToken => "API token",
            SubjectKind::Webhook => "Webhook endpoint",
        }
    }

    /// Where the record's page is, for the kinds that have one.
    pub fn href(self, id: &str) -> Option<String> {
        match self {
            SubjectKind::User => Some(format!("/admin/users/{id}")),
            SubjectKind::Org => Some(format!("/admin/orgs/{id}/edit")),
            SubjectKind::Policy => Some("/admin/policy".into()),
            SubjectKind::Compensation => Some("/admin/compensation".into()),
            SubjectKind::Territory => Some(format!("/admin/territories/{id}/edit")),
            SubjectKind::TerritoryCheck => Some("/admin/territories".into()),
            SubjectKind::Roe => Some(format!("/admin/roe/versions/{id}")),
            SubjectKind::Registration => Some(format!("/review/{id}")),
            SubjectKind::Dispute => Some(format!("/review/disputes/{id}")),
            SubjectKind::ApiToken => None,
            SubjectKind::Webhook => Some(format!("/admin/webhooks/{id}")),
        }
    }
}

/// The `subject` of an event about record `id` of `kind`.
pub fn subject(kind: SubjectKind, id: &str) -> String {
    if id.is_empty() {
        kind.as_str().to_owned()
    } else {
        format!("{}:{id}", kind.as_str())
    }
}

/// A stored subject read back: its kind and id when it is one this release writes.
/// Older events (a territory saved before the chain, whose subject was its bare id) are
/// `None` and show as they are.
pub fn parse_subject(subject: &str) -> Option<(SubjectKind, &str)> {
    match subject.split_once(':') {
        Some((kind, id)) => SubjectKind::parse(kind).map(|k| (k, id)),
        None => SubjectKind::parse(subject).map(|k| (k, "")),
    }
}

/// The subjects a "record" filter means: what was typed, exactly, and a record of any kind
/// with that id. Equality only, so the filter reads the subject index.
pub fn subjects_matching(typed: &str) -> Vec<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Vec::new();
    }
    let mut out = vec![typed.to_owned()];
    if !typed.contains(':') {
        out.extend(
            SubjectKind::ALL
                .iter()
                .map(|k| subject(*k, typed))
                .filter(|s| s != typed),
        );
    }
    out
}

/// What changed, one setting a clause: "Role: Partner → Channel manager; Name: Ann → Anna".
pub fn describe_changes(changes: &[(&str, String, String)]) -> String {
    changes
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(what, old, new)| format!("{what}: {} → {}", shown(old), shown(new)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn shown(value: &str) -> &str {
    if value.is_empty() { "(none)" } else { value }
}

// ---------------------------------------------------------------------------------------
// The hash chain.

/// The "previous hash" of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Which encoding a hash was made with; a later encoding would be a new tag, so a hash can
/// never be read as another encoding's.
const ENCODING: &[u8] = b"truce audit event v1\n";

/// The moment as an event stores and hashes it: whole microseconds, which both backends
/// keep exactly (PostgreSQL's timestamps hold no more), so the hash computed before the
/// write equals the one computed from the row read back.
pub fn canonical_at(at: NaiveDateTime) -> NaiveDateTime {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// When an event is recorded: the moment of its request (see [`canonical_at`]), or the
/// previous event's, if that is later. Two requests that overlap may reach the chain in the
/// other order than they started, by the milliseconds they overlap; taking the later time
/// keeps time running forwards along the chain, so a date range of the log is a range of
/// its sequence numbers (and reads that way, by index, at millions of events).
pub fn recorded_at(now: NaiveDateTime, previous: Option<NaiveDateTime>) -> NaiveDateTime {
    canonical_at(previous.map_or(now, |p| p.max(now)))
}

/// An event's recorded fields, everything its hash covers besides its sequence number and
/// the previous hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    pub id: &'a str,
    pub at: NaiveDateTime,
    pub actor_id: Option<&'a str>,
    pub actor_role: Option<&'a str>,
    pub client_addr: Option<&'a str>,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: Option<&'a str>,
}

/// The event's hash (lower-case hex SHA-256). The encoding is unambiguous: the sequence
/// number and the time as fixed-width integers, and every text field as a presence byte
/// then its length then its bytes, so no two different events (moving a character from
/// one field to the next, an empty field for a missing one) encode alike.
pub fn hash(seq: i64, fields: &Fields, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(ENCODING);
    h.update(seq.to_be_bytes());
    text(&mut h, Some(fields.id));
    h.update(
        canonical_at(fields.at)
            .and_utc()
            .timestamp_micros()
            .to_be_bytes(),
    );
    text(&mut h, fields.actor_id);
    text(&mut h, fields.actor_role);
    text(&mut h, fields.client_addr);
    text(&mut h, Some(fields.action));
    text(&mut h, Some(fields.subject));
    text(&mut h, fields.detail);
    text(&mut h, Some(prev_hash));
    hex(&h.finalize())
}

fn text(h: &mut Sha256, value: Option<&str>) {
    match value {
        None => h.update([0u8]),
        Some(v) => {
            h.update([1u8]);
            h.update((v.len() as u64).to_be_bytes());
            h.update(v.as_bytes());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// An event as stored in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linked<'a> {
    pub seq: i64,
    pub fields: Fields<'a>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// The chain head as its one-row table holds it: the last sequence number given out and
/// that event's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

/// Which event a broken link was found at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef {
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
}

/// What is wrong at the first broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The event's fields do not give its stored hash: changed after it was written.
    Altered,
    /// The event's "previous hash" is not the stored hash of the event before it: that
    /// event (its hash included) was replaced, or this one was moved or forged.
    Unlinked { previous_seq: i64 },
    /// Sequence numbers `from..=to` are not there: deleted (or out of place).
    Missing { from: i64, to: i64 },
    /// The sequence went back or repeated after `previous_seq`.
    OutOfOrder { previous_seq: i64 },
    /// The head records events after the last one there is: the newest were deleted.
    NewestMissing { head_seq: i64, last_seq: i64 },
    /// An event beyond the head's last sequence number: added outside Truce.
    BeyondHead { head_seq: i64 },
    /// The head's hash is not the last event's: one of the two was replaced.
    HeadMismatch { head_seq: i64 },
    /// Events with no place in the chain (no sequence number): inserted outside Truce,
    /// or by an older release still running beside this one.
    Unchained { count: u64 },
}

/// The first link of the chain that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The event it was found at; `None` when the problem is the head or unchained rows.
    pub event: Option<EventRef>,
    pub problem: Problem,
}

impl Break {
    /// What is wrong, in a sentence.
    pub fn describe(&self) -> String {
        match &self.problem {
            Problem::Altered => "its recorded fields do not match its hash: the event was \
                                 changed after it was written"
                .into(),
            Problem::Unlinked { previous_seq } => format!(
                "it does not link to event {previous_seq} before it (the previous hash it \
                 recorded differs): event {previous_seq} was replaced, or this one was \
                 moved or forged"
            ),
            Problem::Missing { from, to } if from == to => {
                format!("event {from} before it is missing (deleted, or out of place)")
            }
            Problem::Missing { from, to } => {
                format!("events {from} to {to} before it are missing (deleted, or out of place)")
            }
            Problem::OutOfOrder { previous_seq } => format!(
                "its sequence number does not follow event {previous_seq}: the events were \
                 reordered or duplicated"
            ),
            Problem::NewestMissing { head_seq, last_seq } => format!(
                "the chain head records {head_seq} events but the last one there is \
                 {last_seq}: the newest events were deleted"
            ),
            Problem::BeyondHead { head_seq } => format!(
                "it comes after the last event the chain head records ({head_seq}): it was \
                 added outside Truce"
            ),
            Problem::HeadMismatch { head_seq } => format!(
                "the chain head's hash is not that of event {head_seq}: the head or the \
                 last event was replaced"
            ),
            Problem::Unchained { count } => format!(
                "{count} event{} {} no sequence number: written outside Truce, or by an \
                 older release still running beside this one",
                if *count == 1 { "" } else { "s" },
                if *count == 1 { "has" } else { "have" }
            ),
        }
    }
}

/// A chain that held: how many events, and the hash it ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intact {
    pub events: u64,
    pub last_hash: String,
}

/// Walks a chain one event at a time, in sequence order, remembering only the last link
/// (so a chain of any length is checked in constant memory).
#[derive(Debug, Clone)]
pub struct Chain {
    last_seq: i64,
    last_hash: String,
    events: u64,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    pub fn new() -> Self {
        Chain {
            last_seq: 0,
            last_hash: GENESIS.to_owned(),
            events: 0,
        }
    }

    pub fn events(&self) -> u64 {
        self.events
    }

    /// Checks the next event: its place in the sequence, its link to the event before it,
    /// then its own hash.
    pub fn push(&mut self, e: &Linked) -> Result<(), Break> {
        let broken = |problem| {
            Err(Break {
                event: Some(EventRef {
                    seq: e.seq,
                    id: e.fields.id.to_owned(),
                    at: e.fields.at,
                }),
                problem,
            })
        };
        let expected = self.last_seq + 1;
        if e.seq < expected {
            return broken(Problem::OutOfOrder {
                previous_seq: self.last_seq,
            });
        }
        if e.seq > expected {
            return broken(Problem::Missing {
                from: expected,
                to: e.seq - 1,
            });
        }
        if e.prev_hash != self.last_hash {
            return broken(Problem::Unlinked {
                previous_seq: self.last_seq,
            });
        }
        if hash(e.seq, &e.fields, e.prev_hash) != e.hash {
            return broken(Problem::Altered);
        }
        self.last_seq = e.seq;
        e.hash.clone_into(&mut self.last_hash);
        self.events += 1;
        Ok(())
    }

    /// After the last event: the head must end where the events do, and no event may be
    /// outside the chain (`unchained` counts the rows without a sequence number).
    pub fn finish(self, head: &Head, unchained: u64) -> Result<Intact, Break> {
        let problem = if head.seq > self.last_seq {
            Some(Problem::NewestMissing {
                head_seq: head.seq,
                last_seq: self.last_seq,
            })
        } else if head.hash != self.last_hash {
            Some(Problem::HeadMismatch { head_seq: head.seq })
        } else if unchained > 0 {
            Some(Problem::Unchained { count: unchained })
        } else {
            None
        };
        match problem {
            Some(problem) => Err(Break {
                event: None,
                problem,
            }),
            None => Ok(Intact {
                events: self.events,
                last_hash: self.last_hash,
            }),
        }
    }

    /// The head's own check for an event past it, found while walking (the walk reads the
    /// head first, so an event after it is one no writer of Truce chained).
    pub fn beyond(head: &Head, e: &Linked) -> Option<Break> {
        (e.seq > head.seq).then(|| Break {
            event: Some(EventRef {
                seq: e.seq,
                id: e.fields.id.to_owned(),
                at: e.fields.at,
            }),
            problem: Problem::BeyondHead { head_seq: head.seq },
        })
    }
}

/// Checks a whole chain held in memory (the tests' way; `truce audit verify` streams).
pub fn verify<'a>(
    events: impl IntoIterator<Item = &'a Linked<'a>>,
    head: &Head,
    unchained: u64,
) -> Result<Intact, Break> {
    let mut chain = Chain::new();
    for e in events {
        if let Some(b) = Chain::beyond(head, e) {
            return Err(b);
        }
        chain.push(e)?;
    }
    chain.finish(head, unchained)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An owned event, so tests can change any field and link a chain.
    #[derive(Clone)]
    struct Row {
        seq: i64,
        id: String,
        at: NaiveDateTime,
        actor_id: Option<String>,
        actor_role: Option<String>,
        client_addr: Option<String>,
        action: String,
        subject: String,
        detail: Option<String>,
        prev_hash: String,
        hash: String,
    }

    impl Row {
        fn fields(&self) -> Fields<'_> {
            Fields {
                id: &self.id,
                at: self.at,
                actor_id: self.actor_id.as_deref(),
                actor_role: self.actor_role.as_deref(),
                client_addr: self.client_addr.as_deref(),
                action: &self.action,
                subject: &self.subject,
                detail: self.detail.as_deref(),
            }
        }

        fn linked(&self) -> Linked<'_> {
            Linked {
                seq: self.seq,
                fields: self.fields(),
                prev_hash: &self.prev_hash,
                hash: &self.hash,
            }
        }
    }

    fn at(minute: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 6)
            .unwrap()
            .and_hms_micro_opt(10, minute, 5, 123_456)
            .unwrap()
    }

    /// `n` events written as the model writes them: each hashed over the one before.
    fn chain(n: i64) -> (Vec<Row>, Head) {
        let mut rows: Vec<Row> = Vec::new();
        let mut prev = GENESIS.to_owned();
        for seq in 1..=n {
            let mut row = Row {
                seq,
                id: format!("event-{seq}"),
                at: at(seq as u32),
                actor_id: Some("user-1".into()),
                actor_role: Some("admin".into()),
                client_addr: Some("203.0.113.7".into()),
                action: "role_changed".into(),
                subject: format!("user:user-{seq}"),
                detail: Some(format!("Role: Partner → Channel manager ({seq})")),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            row.hash = hash(seq, &row.fields(), &prev);
            prev = row.hash.clone();
            rows.push(row);
        }
        (rows, Head { seq: n, hash: prev })
    }

    fn check(rows: &[Row], head: &Head) -> Result<Intact, Break> {
        let linked: Vec<Linked> = rows.iter().map(Row::linked).collect();
        verify(&linked, head, 0)
    }

    fn broken_at(rows: &[Row], head: &Head) -> (i64, Problem) {
        let b = check(rows, head).expect_err("the chain is broken");
        (b.event.expect("found at an event").seq, b.problem)
    }

    #[test]
    fn a_chain_as_written_verifies() {
        let (rows, head) = chain(5);
        let intact = check(&rows, &head).unwrap();
        assert_eq!(intact.events, 5);
        assert_eq!(intact.last_hash, head.hash);
        assert_eq!(rows[0].prev_hash, GENESIS);
    }

    #[test]
    fn an_empty_chain_verifies_against_an_empty_head() {
        let head = Head {
            seq: 0,
            hash: GENESIS.into(),
        };
        assert_eq!(check(&[], &head).unwrap().events, 0);
    }

    #[test]
    fn a_changed_field_of_any_kind_is_found_at_its_event() {
        type Change = fn(&mut Row);
        let changes: [(&str, Change); 9] = [
            ("id", |r| r.id.push('x')),
            ("at", |r| r.at += chrono::TimeDelta::microseconds(1)),
            ("actor", |r| r.actor_id = Some("user-2".into())),
            ("no actor", |r| r.actor_id = None),
            ("role", |r| r.actor_role = Some("channel".into())),
            ("address", |r| r.client_addr = Some("198.51.100.1".into())),
            ("action", |r| r.action = "signed_in".into()),
            ("subject", |r| r.subject = "user:someone-else".into()),
            ("detail", |r| r.detail = Some("nothing to see".into())),
        ];
        for (what, change) in changes {
            let (mut rows, head) = chain(5);
            change(&mut rows[2]);
            assert_eq!(
                broken_at(&rows, &head),
                (3, Problem::Altered),
                "a changed {what}"
            );
        }
    }

    #[test]
    fn a_rehashed_change_breaks_the_next_link() {
        let (mut rows, head) = chain(5);
        rows[2].detail = Some("rewritten".into());
        rows[2].hash = hash(3, &rows[2].fields(), &rows[2].prev_hash.clone());
        assert_eq!(
            broken_at(&rows, &head),
            (4, Problem::Unlinked { previous_seq: 3 })
        );
    }

    #[test]
    fn a_deleted_event_leaves_a_gap_named_at_the_next_one() {
        let (mut rows, head) = chain(5);
        rows.remove(2);
        assert_eq!(
            broken_at(&rows, &head),
            (4, Problem::Missing { from: 3, to: 3 })
        );
        let (mut rows, head) = chain(5);
        rows.drain(0..2);
        assert_eq!(
            broken_at(&rows, &head),
            (3, Problem::Missing { from: 1, to: 2 })
        );
    }

    #[test]
    fn deleting_the_newest_events_is_found_by_the_head() {
        let (mut rows, head) = chain(5);
        rows.truncate(3);
        let b = check(&rows, &head).unwrap_err();
        assert_eq!(b.event, None);
        assert_eq!(
            b.problem,
            Problem::NewestMissing {
                head_seq: 5,
                last_seq: 3
            }
        );
        assert!(b.describe().contains("newest events were deleted"));
    }

    #[test]
    fn reordered_events_are_found_where_the_order_breaks() {
        // Read in another order.
        let (mut rows, head) = chain(5);
        rows.swap(1, 2);
        assert_eq!(
            broken_at(&rows, &head),
            (3, Problem::Missing { from: 2, to: 2 })
        );
        // Renumbered in place, so the sequence looks whole: the links give it away.
        let (mut rows, head) = chain(5);
        rows.swap(1, 2);
        rows[1].seq = 2;
        rows[2].seq = 3;
        assert_eq!(
            broken_at(&rows, &head),
            (2, Problem::Unlinked { previous_seq: 1 })
        );
        // A repeated event.
        let (mut rows, head) = chain(3);
        let again = rows[1].clone();
        rows.insert(2, again);
        assert_eq!(
            broken_at(&rows, &head),
            (2, Problem::OutOfOrder { previous_seq: 2 })
        );
    }

    #[test]
    fn an_event_added_after_the_head_or_outside_the_chain_is_found() {
        let (mut rows, head) = chain(3);
        let (longer, _) = chain(4);
        rows.push(longer[3].clone());
        assert_eq!(
            broken_at(&rows, &head),
            (4, Problem::BeyondHead { head_seq: 3 })
        );

        let (rows, head) = chain(3);
        let linked: Vec<Linked> = rows.iter().map(Row::linked).collect();
        let b = verify(&linked, &head, 2).unwrap_err();
        assert_eq!(b.problem, Problem::Unchained { count: 2 });
        assert!(b.describe().starts_with("2 events have no sequence number"));

        let forged = Head {
            seq: 3,
            hash: GENESIS.into(),
        };
        assert_eq!(
            verify(&linked, &forged, 0).unwrap_err().problem,
            Problem::HeadMismatch { head_seq: 3 }
        );
    }

    #[test]
    fn the_first_broken_link_is_the_one_reported() {
        let (mut rows, head) = chain(6);
        rows[4].detail = None;
        rows[1].client_addr = None;
        let b = check(&rows, &head).unwrap_err();
        let event = b.event.unwrap();
        assert_eq!((event.seq, event.id.as_str()), (2, "event-2"));
        assert_eq!(event.at, at(2));
    }

    #[test]
    fn the_encoding_is_unambiguous() {
        let base = Fields {
            id: "e",
            at: at(1),
            actor_id: None,
            actor_role: None,
            client_addr: None,
            action: "signed_in",
            subject: "user:ab",
            detail: Some("c"),
        };
        let h = |f: &Fields| hash(1, f, GENESIS);
        // A character moved from one field to the next.
        let moved = Fields {
            subject: "user:a",
            detail: Some("bc"),
            ..base
        };
        assert_ne!(h(&base), h(&moved));
        // Missing and empty differ.
        let empty = Fields {
            actor_id: Some(""),
            ..base
        };
        assert_ne!(h(&base), h(&empty));
        // The sequence number and the previous hash count.
        assert_ne!(h(&base), hash(2, &base, GENESIS));
        assert_ne!(h(&base), hash(1, &base, &"1".repeat(64)));
        // SHA-256 in lower-case hex.
        assert_eq!(h(&base).len(), 64);
        assert!(
            h(&base)
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn times_are_kept_to_the_microsecond() {
        let t = at(1) + chrono::TimeDelta::nanoseconds(789);
        assert_eq!(canonical_at(t), at(1));
        let base = Fields {
            id: "e",
            at: t,
            actor_id: None,
            actor_role: None,
            client_addr: None,
            action: "a",
            subject: "s",
            detail: None,
        };
        let read_back = Fields { at: at(1), ..base };
        assert_eq!(hash(1, &base, GENESIS), hash(1, &read_back, GENESIS));
    }

    #[test]
    fn time_never_runs_backwards_along_the_chain() {
        let t = at(5) + chrono::TimeDelta::nanoseconds(999);
        assert_eq!(recorded_at(t, None), at(5));
        assert_eq!(recorded_at(t, Some(at(4))), at(5));
        // A request that started before the previous event was recorded.
        assert_eq!(recorded_at(at(4), Some(at(5))), at(5));
    }

    #[test]
    fn reports_say_what_is_wrong() {
        let b = Break {
            event: None,
            problem: Problem::Missing { from: 3, to: 3 },
        };
        assert!(b.describe().contains("event 3 before it is missing"));
        let b = Break {
            event: None,
            problem: Problem::Altered,
        };
        assert!(b.describe().contains("changed after it was written"));
    }

    #[test]
    fn actions_read_in_plain_words_even_unknown_ones() {
        assert_eq!(action_label("role_changed"), "Changed a user's role");
        assert_eq!(action_label("mfa_enrolled"), "Turned on two-factor sign-in");
        assert_eq!(action_label("something_new"), "Something new");
        assert_eq!(action_label(""), "");
        for a in Action::ALL {
            assert!(!a.label().is_empty() && !a.group().is_empty());
        }
        assert_eq!(
            Action::of_registration(EventKind::Approved),
            Action::RegistrationApproved
        );
        assert_eq!(
            Action::of_registration(EventKind::AssistAssigned),
            Action::RegistrationChanged
        );
    }

    #[test]
    fn subjects_name_their_record() {
        assert_eq!(subject(SubjectKind::User, "u1"), "user:u1");
        assert_eq!(subject(SubjectKind::TerritoryCheck, ""), "territory_check");
        assert_eq!(
            parse_subject("registration:r-1"),
            Some((SubjectKind::Registration, "r-1"))
        );
        assert_eq!(
            parse_subject("territory_check"),
            Some((SubjectKind::TerritoryCheck, ""))
        );
        assert_eq!(parse_subject("0193-bare-id"), None);
        assert_eq!(parse_subject("nonsense:1"), None);
        assert_eq!(
            SubjectKind::Registration.href("r-1").as_deref(),
            Some("/review/r-1")
        );
    }

    #[test]
    fn a_record_filter_finds_an_id_of_any_kind_or_the_exact_subject() {
        let found = subjects_matching(" r-1 ");
        assert!(found.contains(&"r-1".to_owned()));
        assert!(found.contains(&"registration:r-1".to_owned()));
        assert!(found.contains(&"user:r-1".to_owned()));
        assert_eq!(found.len(), SubjectKind::ALL.len() + 1);
        assert_eq!(subjects_matching("roe:2"), vec!["roe:2".to_owned()]);
        assert!(subjects_matching("  ").is_empty());
        // A kind without an id is its own subject, listed once.
        assert_eq!(
            subjects_matching("territory_check")
                .iter()
                .filter(|s| *s == "territory_check")
                .count(),
            1
        );
    }

    #[test]
    fn changes_list_only_what_changed() {
        assert_eq!(
            describe_changes(&[
                ("Role", "Partner".into(), "Channel manager".into()),
                ("Name", "Ann".into(), "Ann".into()),
                ("Organisation", "Acme".into(), String::new()),
            ]),
            "Role: Partner → Channel manager; Organisation: Acme → (none)"
        );
        assert_eq!(describe_changes(&[]), "");
    }
}
