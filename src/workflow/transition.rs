//! Applying a lifecycle command to a stored registration: lock, re-read, decide, store,
//! audit, notify, and move the line of registrations queued behind it.

use chrono::NaiveDateTime;

use crate::config::Config;
use crate::db::models::audit;
use crate::db::models::flag;
use crate::db::models::org;
use crate::db::models::policy::{self, PolicyVersion};
use crate::db::models::registration::{self, EventRow, NewEvent, Registration};
use crate::db::models::tally;
use crate::db::{DbConnection, lock_keys, write_tx};
use crate::domain::audit::{Action, SubjectKind, Who, subject};
use crate::domain::flag::FlagKind;
use crate::domain::lifecycle::{
    self, Actor, Command, Context, Lifecycle, Refusal, Status, Transition,
};
use crate::domain::policy::Policy;
use crate::mail::Composed;

/// Whose registrations the actor may touch.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// A partner: their organisation's only. Others look like they do not exist.
    Org(&'a str),
    Any,
}

#[derive(Debug, Clone, Copy)]
pub struct Acting<'a> {
    /// The person (their role and client address too, for the audit log), or nobody for
    /// Truce itself.
    pub who: &'a Who,
    pub actor: Actor,
    pub scope: Scope<'a>,
}

impl Acting<'_> {
    pub const SYSTEM: Acting<'static> = Acting {
        who: &Who::SYSTEM,
        actor: Actor::System,
        scope: Scope::Any,
    };

    fn user_id(&self) -> Option<&str> {
        self.who.user_id.as_deref()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("no such registration")]
    NotFound,
    #[error("{0}")]
    Refused(Refusal),
    /// Someone else changed the registration between our read and our write.
    #[error("the registration was changed by someone else")]
    Conflict,
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Applies `command` in its own write transaction, with its audit event.
pub fn act(
    conn: &mut DbConnection,
    config: &Config,
    id: &str,
    acting: Acting,
    command: Command,
    now: NaiveDateTime,
) -> Result<(Registration, Transition), ActError> {
    write_tx(conn, |conn| {
        let (reg, t) = act_in_tx(conn, config, id, acting, command, now)?;
        record_decision(conn, acting, &reg, &t, now)?;
        Ok((reg, t))
    })
}

fn load(conn: &mut DbConnection, id: &str, scope: Scope) -> Result<Registration, ActError> {
    match scope {
        Scope::Org(org_id) => registration::find_in_org(conn, id, org_id)?,
        Scope::Any => registration::find(conn, id)?,
    }
    .ok_or(ActError::NotFound)
}

/// Applies `command` inside the caller's transaction. A person's transition is then
/// recorded with [`record_decision`], after the caller's other writes.
pub fn act_in_tx(
    conn: &mut DbConnection,
    config: &Config,
    id: &str,
    acting: Acting,
    command: Command,
    now: NaiveDateTime,
) -> Result<(Registration, Transition), ActError> {
    let pv = policy::current(conn)?;
    let mut reg = load(conn, id, acting.scope)?;
    if lock_keys(conn, &super::registration_lock_keys(&reg))? {
        // Read again under the lock: another transaction may have changed it while we waited.
        reg = load(conn, id, acting.scope)?;
    }
    let (org_approved, org_cap) = if matches!(command, Command::Approve | Command::Reinstate { .. })
    {
        let tier = org::find(conn, &reg.org_id)?.map(|o| o.tier());
        (
            registration::count_in_states(conn, &reg.org_id, &[Status::Approved])?,
            pv.value.max_active(tier),
        )
    } else {
        (0, i64::MAX)
    };
    let ctx = Context {
        now,
        actor: acting.actor,
        policy: &pv.value,
        policy_version: pv.version,
        segment: reg.segment(),
        program_units: reg.program_units,
        org_approved,
        org_cap,
    };
    let before = reg.state.to_domain();
    let decides_shared = matches!(
        command,
        Command::DeclineSharedProspect { .. } | Command::KeepSharedProspect { .. }
    );
    let t = lifecycle::apply(&before, &ctx, command).map_err(ActError::Refused)?;
    // Only a registration flagged as sharing another's prospect is decided so; the flag's
    // resolution is the claim on that decision, so two reviewers never both make it.
    if decides_shared && !flag::resolve(conn, id, FlagKind::SharedProspect, acting.user_id(), now)?
    {
        return Err(ActError::Refused(Refusal::Rule(
            "This registration is not waiting for a decision on a shared prospect.".into(),
        )));
    }
    let step = Step {
        reg: &reg,
        before: &before,
        t: &t,
    };
    store(conn, config, &step, acting.user_id(), pv.version, now)?;
    if t.event == lifecycle::EventKind::ClosedWon {
        let amount = t.next.close_amount_minor.unwrap_or(reg.amount_minor);
        super::compensation::on_close_won(conn, &reg, &before, amount, now)?;
    }
    follow_up(conn, config, &step, &pv, now)?;
    Ok((reg, t))
}

/// Records a person's transition (`reg` as it was before it, `t` the decision) in the
/// audit log. Called last in the transaction, after every other write, by [`act`] and by
/// the dispute ruling: from the audit write to the commit every other audited
/// transaction waits for this one, and one that waited while holding, say, a dashboard
/// rollup row this transaction still had to update would deadlock with it.
///
/// Truce's own transitions (the sweeps' expiries, reminders and escalations, and the
/// declines and advances that follow a decision) stay on the registration's timeline
/// only: on PostgreSQL each sweep batch would otherwise queue behind every audited request
/// for the chain, and the requests behind the batch.
pub fn record_decision(
    conn: &mut DbConnection,
    acting: Acting,
    reg: &Registration,
    t: &Transition,
    now: NaiveDateTime,
) -> diesel::QueryResult<()> {
    if acting.who.user_id.is_none() {
        return Ok(());
    }
    let mut detail = format!("{} → {}", reg.status().label(), t.next.status.label());
    if let Some(note) = t.note.as_deref().filter(|n| !n.trim().is_empty()) {
        detail.push_str(". ");
        detail.push_str(note.trim());
    }
    audit::record(
        conn,
        acting.who,
        Action::of_registration(t.event),
        &subject(SubjectKind::Registration, &reg.id),
        Some(&detail),
        now,
    )
}

/// One transition of one registration: the row as read, its state before, and the decision.
struct Step<'a> {
    reg: &'a Registration,
    before: &'a Lifecycle,
    t: &'a Transition,
}

/// Writes the new state (if still unchanged), the audit event and the emails.
fn store(
    conn: &mut DbConnection,
    config: &Config,
    step: &Step,
    actor_id: Option<&str>,
    policy_version: i64,
    now: NaiveDateTime,
) -> Result<(), ActError> {
    let Step { reg, before, t } = *step;
    if !registration::update_state(conn, reg, before, &t.next, now)? {
        return Err(ActError::Conflict);
    }
    registration::insert_event(
        conn,
        &NewEvent {
            registration_id: &reg.id,
            actor_id,
            kind: t.event,
            from: Some(before.status),
            to: t.next.status,
            note: t.note.as_deref(),
            policy_version,
        },
        now,
    )?;
    super::webhooks::registration_event(conn, t.event, &reg.id, now)?;
    super::notify::transition(conn, config, reg, t, now)?;
    Ok(())
}

/// The line behind a registration moves when it is decided: approval declines everyone
/// queued behind it; a release (rejected, withdrawn) sends the first in line to review.
fn follow_up(
    conn: &mut DbConnection,
    config: &Config,
    step: &Step,
    pv: &PolicyVersion,
    now: NaiveDateTime,
) -> Result<(), ActError> {
    let Step { reg, before, t } = *step;
    if t.next.status == Status::Approved && before.status != Status::Approved {
        let until = t.next.protection_ends_at.unwrap_or(now);
        for queued in registration::queued_behind(conn, &reg.id)? {
            system(
                conn,
                config,
                &queued,
                Command::DeclineAsDuplicate {
                    protected_until: until,
                },
                pv,
                now,
            )?;
        }
    } else if t.releases(before) && t.next.status != Status::Overturned {
        // An overturned holder's line waits for the ruling's new holder: the dispute
        // workflow approves it first, then calls [`settle_line`].
        advance_line(conn, config, &reg.id, pv, now)?;
    }
    Ok(())
}

/// Moves the line that waited behind `holder_id` after a dispute ruling ended it: declined
/// if the prospect is now locked by the ruling's new holder, else the first goes to review.
pub fn settle_line(
    conn: &mut DbConnection,
    config: &Config,
    holder_id: &str,
    now: NaiveDateTime,
) -> Result<(), ActError> {
    let pv = policy::current(conn)?;
    advance_line(conn, config, holder_id, &pv, now)
}

/// Sends the first registration queued behind `holder_id` to review and re-queues the rest
/// behind it. If the first is also claimed through its other key by someone else, it waits
/// behind that registration instead (or is declined, if that one is approved).
fn advance_line(
    conn: &mut DbConnection,
    config: &Config,
    holder_id: &str,
    pv: &PolicyVersion,
    now: NaiveDateTime,
) -> Result<(), ActError> {
    let line = registration::queued_behind(conn, holder_id)?;
    let Some((first, rest)) = line.split_first() else {
        return Ok(());
    };
    let next_holder =
        match registration::find_holder(conn, &first.name_key, first.domain_key.as_deref())? {
            Some(other) if other.status() == Status::Approved => {
                let until = other.state.protection_ends_at.unwrap_or(now);
                for queued in &line {
                    system(
                        conn,
                        config,
                        queued,
                        Command::DeclineAsDuplicate {
                            protected_until: until,
                        },
                        pv,
                        now,
                    )?;
                }
                return Ok(());
            }
            Some(other) => {
                let before = first.state.to_domain();
                let mut state = before.clone();
                state.queued_behind = Some(other.id.clone());
                if !registration::update_state(conn, first, &before, &state, now)? {
                    return Err(ActError::Conflict);
                }
                other.id
            }
            None => {
                system(conn, config, first, Command::Advance, pv, now)?;
                first.id.clone()
            }
        };
    for queued in rest {
        let before = queued.state.to_domain();
        let mut state = before.clone();
        state.queued_behind = Some(next_holder.clone());
        if !registration::update_state(conn, queued, &before, &state, now)? {
            return Err(ActError::Conflict);
        }
    }
    Ok(())
}

/// A transition made by Truce itself inside the current transaction.
fn system(
    conn: &mut DbConnection,
    config: &Config,
    reg: &Registration,
    command: Command,
    pv: &PolicyVersion,
    now: NaiveDateTime,
) -> Result<(), ActError> {
    let (before, t) = decide(reg, command, pv, now).map_err(ActError::Refused)?;
    let step = Step {
        reg,
        before: &before,
        t: &t,
    };
    store(conn, config, &step, None, pv.version, now)
}

/// The row's state as stored, and what Truce's own `command` makes of it.
fn decide(
    reg: &Registration,
    command: Command,
    pv: &PolicyVersion,
    now: NaiveDateTime,
) -> Result<(Lifecycle, Transition), Refusal> {
    let before = reg.state.to_domain();
    let ctx = system_context(reg, &pv.value, pv.version, now);
    let t = lifecycle::apply(&before, &ctx, command)?;
    Ok((before, t))
}

/// What Truce acting on its own knows: no organisation cap applies to its commands.
fn system_context<'a>(
    reg: &Registration,
    policy: &'a Policy,
    policy_version: i64,
    now: NaiveDateTime,
) -> Context<'a> {
    Context {
        now,
        actor: Actor::System,
        policy,
        policy_version,
        segment: reg.segment(),
        program_units: reg.program_units,
        org_approved: 0,
        org_cap: i64::MAX,
    }
}

/// What a sweep batch reads before it takes the write lock: its rows, which of them have
/// registrations queued behind them, and who is told. Reading them under the lock held it
/// for up to 130 ms at a million registrations when their pages were not in memory.
pub struct BatchInput {
    rows: Vec<Registration>,
    has_queue: std::collections::HashSet<String>,
    recipients: super::notify::Recipients,
}

impl BatchInput {
    /// Reads the batch outside any write transaction.
    pub fn read(conn: &mut DbConnection, ids: &[String]) -> diesel::QueryResult<Self> {
        let rows = registration::find_many(conn, ids)?;
        let has_queue = registration::with_queue(conn, ids)?;
        let mut recipients = super::notify::Recipients::default();
        recipients.prefetch(conn, &rows)?;
        Ok(BatchInput {
            rows,
            has_queue,
            recipients,
        })
    }

    /// Takes the prospect locks of every row at once, in the one global order, and reads
    /// the rows and their queues again if that meant waiting (PostgreSQL).
    fn lock(&mut self, conn: &mut DbConnection) -> diesel::QueryResult<()> {
        let keys: Vec<String> = self
            .rows
            .iter()
            .flat_map(super::registration_lock_keys)
            .collect();
        if lock_keys(conn, &keys)? {
            let ids: Vec<String> = self.rows.iter().map(|r| r.id.clone()).collect();
            self.rows = registration::find_many(conn, &ids)?;
            self.has_queue = registration::with_queue(conn, &ids)?;
        }
        Ok(())
    }
}

/// What a sweep's batch writes besides its rows' states: their count moves, timeline events
/// and emails, gathered and written together. On PostgreSQL, where every statement is a
/// round trip, the batch writes them once, before it commits: an expiry had cost nine
/// statements (its update, six count moves, its event and email), now one and a share of a
/// few. SQLite, with one writer and no round trips, writes each row's as it goes, so the
/// batch's time budget counts them: written together after the loop, 100 events took
/// another 20–60 ms at a million registrations (their index pages are all over the disk).
#[derive(Default)]
struct Gathered {
    counts: tally::Pending,
    events: Vec<EventRow>,
    emails: Vec<Composed>,
}

impl Gathered {
    fn write(&mut self, conn: &mut DbConnection, now: NaiveDateTime) -> diesel::QueryResult<()> {
        self.counts.write(conn)?;
        registration::insert_events(conn, std::mem::take(&mut self.events))?;
        crate::mail::enqueue_all(conn, &std::mem::take(&mut self.emails), now)
    }
}

/// The sweeps' path: applies a system command to each row of `input` inside the caller's
/// transaction. Same rule, locks, state write, audit event, emails and queue handling as
/// [`act_in_tx`]; the prospect locks of the whole batch are taken at once, and the rows'
/// other writes are gathered ([`Gathered`]). A row changed since `input` was read (its
/// `lock_version` moved on) is read again, with its queue, and decided on what it is now.
/// Rows the rule refuses (handled elsewhere meanwhile) are skipped. Returns how many
/// changed.
///
/// On SQLite the rows are written one by one while `more(rows done so far)` says so (asked
/// before every row but the first, so a batch always makes progress): the batch holds the
/// one write lock, and its budget counts each row's writes. On PostgreSQL every row is
/// decided first and all of their states are written in one statement
/// (`registration::update_states`).
pub fn system_batch(
    conn: &mut DbConnection,
    config: &Config,
    input: &mut BatchInput,
    command: fn() -> Command,
    now: NaiveDateTime,
    pv: &PolicyVersion,
    mut more: impl FnMut(usize) -> bool,
) -> Result<usize, ActError> {
    input.lock(conn)?;
    let mut batch = Batch {
        config,
        command,
        pv,
        now,
        listeners: super::webhooks::Listeners::load(conn)?,
        gathered: Gathered::default(),
        orgs: Vec::new(),
        done: 0,
    };
    if let DbConnection::Pg(pg) = conn {
        let decided: Vec<Decided> = input
            .rows
            .iter()
            .filter_map(|reg| {
                let (before, t) = decide(reg, command(), pv, now).ok()?;
                let queued = input.has_queue.contains(&reg.id);
                Some(Decided {
                    reg: reg.clone(),
                    before,
                    t,
                    queued,
                })
            })
            .collect();
        let writes: Vec<registration::StateWrite> = decided
            .iter()
            .map(|d| registration::StateWrite {
                reg: &d.reg,
                before: &d.before,
                after: &d.t.next,
            })
            .collect();
        let written = registration::update_states(pg, &writes, now, &mut batch.gathered.counts)?;
        for row in decided {
            if written.contains(&row.reg.id) {
                batch.finish(conn, &mut input.recipients, &row)?;
            } else if let Some(row) = batch.write_row(conn, row.reg, row.queued, true)? {
                batch.finish(conn, &mut input.recipients, &row)?;
            }
        }
    } else {
        for read in &input.rows {
            // At least one row a batch, so a slow start never reads as "nothing left to do".
            if batch.done > 0 && !more(batch.done) {
                break;
            }
            let queued = input.has_queue.contains(&read.id);
            if let Some(row) = batch.write_row(conn, read.clone(), queued, false)? {
                batch.finish(conn, &mut input.recipients, &row)?;
                batch.gathered.write(conn, now)?;
            }
        }
    }
    batch.gathered.write(conn, now)?;
    batch.orgs.sort();
    batch.orgs.dedup();
    let orgs: Vec<&str> = batch.orgs.iter().map(String::as_str).collect();
    org::figures_changed_many(conn, &orgs)?;
    Ok(batch.done)
}

/// A row of a batch, decided and its state written.
struct Decided {
    reg: Registration,
    before: Lifecycle,
    t: Transition,
    /// Whether registrations wait behind it.
    queued: bool,
}

/// What a batch's rows share as they are written.
struct Batch<'a> {
    config: &'a Config,
    command: fn() -> Command,
    pv: &'a PolicyVersion,
    now: NaiveDateTime,
    listeners: super::webhooks::Listeners,
    gathered: Gathered,
    /// The organisations of the rows changed.
    orgs: Vec<String>,
    done: usize,
}

impl Batch<'_> {
    /// Decides `reg` and writes its state if the row is as it was read; one changed since is
    /// read again, with its queue, and decided on what it is now (at once when `changed`:
    /// it was found changed already). `None` when the rule refuses it or it is gone.
    fn write_row(
        &mut self,
        conn: &mut DbConnection,
        mut reg: Registration,
        mut queued: bool,
        changed: bool,
    ) -> Result<Option<Decided>, ActError> {
        let mut fresh = changed;
        if changed {
            match read_again(conn, &reg.id)? {
                Some((again, q)) => (reg, queued) = (again, q),
                None => return Ok(None),
            }
        }
        loop {
            let Ok((before, t)) = decide(&reg, (self.command)(), self.pv, self.now) else {
                return Ok(None);
            };
            let counts = &mut self.gathered.counts;
            if registration::update_state_in_batch(conn, &reg, &before, &t.next, self.now, counts)?
            {
                return Ok(Some(Decided {
                    reg,
                    before,
                    t,
                    queued,
                }));
            }
            if fresh {
                return Err(ActError::Conflict);
            }
            fresh = true;
            match read_again(conn, &reg.id)? {
                Some((again, q)) => (reg, queued) = (again, q),
                None => return Ok(None),
            }
        }
    }

    /// The rest of a written row's change: its emails and event (gathered), the line behind
    /// it, its webhook event.
    fn finish(
        &mut self,
        conn: &mut DbConnection,
        recipients: &mut super::notify::Recipients,
        row: &Decided,
    ) -> Result<(), ActError> {
        let Decided {
            reg,
            before,
            t,
            queued,
        } = row;
        let emails = super::notify::of_transition(conn, self.config, recipients, reg, t)?;
        self.gathered.emails.extend(emails);
        if *queued {
            let step = Step { reg, before, t };
            follow_up(conn, self.config, &step, self.pv, self.now)?;
        }
        self.gathered.events.push(EventRow::of(
            &NewEvent {
                registration_id: &reg.id,
                actor_id: None,
                kind: t.event,
                from: Some(before.status),
                to: t.next.status,
                note: t.note.as_deref(),
                policy_version: self.pv.version,
            },
            self.now,
        ));
        self.listeners
            .registration(conn, t.event, &reg.id, self.now)?;
        self.orgs.push(reg.org_id.clone());
        self.done += 1;
        Ok(())
    }
}

/// A row as it is now, and whether registrations wait behind it.
fn read_again(
    conn: &mut DbConnection,
    id: &str,
) -> diesel::QueryResult<Option<(Registration, bool)>> {
    let Some(reg) = registration::find(conn, id)? else {
        return Ok(None);
    };
    let queued = !registration::with_queue(conn, std::slice::from_ref(&reg.id))?.is_empty();
    Ok(Some((reg, queued)))
}
