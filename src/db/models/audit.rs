//! The audit log (`audit_events`) and its hash chain (`audit_chain`): who did what to which
//! record, written in the transaction of the change itself, each event chained to the one
//! before it (`domain::audit`). Registrations keep their own timeline beside it
//! (`registration_events`); the decisions people make on them are in both.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::connection::TransactionManager;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::DbConnection;
use crate::db::schema::{
    audit_chain, audit_events, partner_orgs, registrations, territories, users,
};
use crate::domain::audit::{self, Action, Fields, GENESIS, Head, Linked, SubjectKind, Who};

/// Records `action` by `actor_id` on `subject`, in the caller's transaction. The actor's
/// role is read from their user row; no client address is known here. Kept for callers
/// without a request at hand; handlers use [`record`] with the signed-in user's
/// [`Who`] (`Signed::who`), which carries the role they acted with and their address.
pub fn insert(
    conn: &mut DbConnection,
    actor_id: Option<&str>,
    action: &str,
    subject: &str,
    detail: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let who = Who {
        user_id: actor_id.map(str::to_owned),
        ..Who::SYSTEM
    };
    write(conn, &who, action, subject, detail, now)
}

/// Records `action` by `who` on `subject` (see `domain::audit::subject`), in the caller's
/// transaction (or one of its own when there is none).
///
/// Write it as the last change of the transaction: from here to the commit, every other
/// transaction that records an event waits for this one (see [`write`]), so the wait is
/// short, and a transaction holding the chain never waits for a lock held by one waiting
/// for the chain.
pub fn record(
    conn: &mut DbConnection,
    who: &Who,
    action: Action,
    subject: &str,
    detail: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write(conn, who, action.as_str(), subject, detail, now)
}

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Nullable<Text>)]
    hash: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    at: Option<NaiveDateTime>,
}

/// Appends one event to the chain.
///
/// The chain must be written one event at a time and in commit order: an event's
/// `prev_hash` is the hash of the event committed just before it, and a transaction that
/// rolls back must give its sequence number back. So the writer first moves the chain
/// head (`UPDATE audit_chain SET seq = seq + 1 … RETURNING`) and holds that row until it
/// commits:
/// - On PostgreSQL the UPDATE takes the head row's lock; a concurrent writer, in this
///   instance or another one sharing the database, blocks on it until the first commits
///   (or rolls back), then re-reads the row as committed (READ COMMITTED re-evaluates an
///   updated row), so it chains to the event that really came before it. An advisory lock
///   plus `MAX(seq)` would serialise too, but the head row also answers "which hash comes
///   last" without a scan, and lets `verify` see deleted newest events.
/// - On SQLite the writer already holds the database's one write lock (`BEGIN
///   IMMEDIATE`, `db::write_tx`); the head is then simply the last event.
///
/// The UPDATE comes first rather than a `SELECT … FOR UPDATE`: it is the same statement on
/// both backends, and on SQLite a write as the first statement cannot fail to upgrade a
/// read lock.
fn write(
    conn: &mut DbConnection,
    who: &Who,
    action: &str,
    subject: &str,
    detail: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    if !in_transaction(conn) {
        // Three statements that must commit together: never leave the head moved without
        // its event.
        return crate::db::write_tx(conn, |conn| write(conn, who, action, subject, detail, now));
    }
    let role = match (who.role, who.user_id.as_deref()) {
        (Some(role), _) => Some(role.as_str().to_owned()),
        (None, Some(id)) => users::table
            .find(id)
            .select(users::role)
            .first::<String>(conn)
            .optional()?,
        (None, None) => None,
    };
    let head: HeadRow = diesel::sql_query(
        "UPDATE audit_chain SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, at",
    )
    .get_result(conn)?;
    let Some(prev_hash) = head.hash else {
        return Err(diesel::result::Error::QueryBuilderError(
            "the audit chain's earlier events are not hashed yet (db::migrate seals them)".into(),
        ));
    };
    let id = crate::ids::new_id();
    let at = audit::recorded_at(now, head.at);
    let fields = Fields {
        id: &id,
        at,
        actor_id: who.user_id.as_deref(),
        actor_role: role.as_deref(),
        client_addr: who.client_addr.as_deref(),
        action,
        subject,
        detail,
    };
    let hash = audit::hash(head.seq, &fields, &prev_hash);
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(&id),
            audit_events::at.eq(at),
            audit_events::actor_id.eq(fields.actor_id),
            audit_events::actor_role.eq(fields.actor_role),
            audit_events::client_addr.eq(fields.client_addr),
            audit_events::action.eq(action),
            audit_events::subject.eq(subject),
            audit_events::detail.eq(detail),
            audit_events::seq.eq(head.seq),
            audit_events::prev_hash.eq(&prev_hash),
            audit_events::hash.eq(&hash),
        ))
        .execute(conn)?;
    diesel::update(audit_chain::table.find(1))
        .set((audit_chain::hash.eq(&hash), audit_chain::at.eq(at)))
        .execute(conn)?;
    Ok(())
}

fn in_transaction(conn: &mut DbConnection) -> bool {
    matches!(
        <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth(),
        Ok(Some(_))
    )
}

/// Hashes the events recorded before the chain existed (numbered by the migration, oldest
/// first) and seals the head with the last hash. Runs at every start (`db::migrate`) and
/// does nothing once sealed; the events are few (program-level actions before issue #18).
/// Returns how many were hashed.
///
/// Only the state the migration leaves is sealed: a head without a hash and no event with
/// one. A head whose hash was removed later is not sealed again over whatever the events
/// say now (that would bless an edit); it is logged, `truce audit verify` reports it, and
/// recording events fails until the database is restored.
pub fn seal_backfill(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    crate::db::write_tx(conn, |conn| {
        let Some((head_seq, head_hash)) = audit_chain::table
            .find(1)
            .select((audit_chain::seq, audit_chain::hash))
            .first::<(i64, Option<String>)>(conn)
            .optional()?
        else {
            return Ok(None);
        };
        if head_hash.is_some() {
            return Ok(None);
        }
        let hashed: Option<String> = audit_events::table
            .filter(audit_events::hash.is_not_null())
            .select(audit_events::id)
            .first(conn)
            .optional()?;
        if hashed.is_some() {
            tracing::error!(
                "the audit chain head has lost its hash although events were chained:                  run `truce audit verify`, and restore the database from a backup"
            );
            return Ok(None);
        }
        let mut prev = GENESIS.to_owned();
        let mut after = 0;
        loop {
            let batch = stored_after(conn, after, head_seq, 1000)?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for e in &batch {
                let hash = audit::hash(e.seq, &e.fields(), &prev);
                diesel::update(audit_events::table.find(&e.id))
                    .set((
                        audit_events::prev_hash.eq(&prev),
                        audit_events::hash.eq(&hash),
                    ))
                    .execute(conn)?;
                prev = hash;
            }
        }
        diesel::update(audit_chain::table.find(1))
            .set(audit_chain::hash.eq(&prev))
            .execute(conn)?;
        Ok(Some(head_seq))
    })
}

/// An event as the chain stores it.
#[derive(Debug, Clone, Queryable)]
pub struct Stored {
    pub seq: i64,
    pub id: String,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: Option<String>,
    pub client_addr: Option<String>,
    pub action: String,
    pub subject: String,
    pub detail: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

impl Stored {
    pub fn fields(&self) -> Fields<'_> {
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

    /// The event as the chain check reads it (a missing hash reads as empty: no hash
    /// matches it).
    pub fn linked(&self) -> Linked<'_> {
        Linked {
            seq: self.seq,
            fields: self.fields(),
            prev_hash: self.prev_hash.as_deref().unwrap_or(""),
            hash: self.hash.as_deref().unwrap_or(""),
        }
    }
}

type StoredColumns = (
    diesel::dsl::AssumeNotNull<audit_events::seq>,
    audit_events::id,
    audit_events::at,
    audit_events::actor_id,
    audit_events::actor_role,
    audit_events::client_addr,
    audit_events::action,
    audit_events::subject,
    audit_events::detail,
    audit_events::prev_hash,
    audit_events::hash,
);

fn stored() -> StoredColumns {
    (
        audit_events::seq.assume_not_null(),
        audit_events::id,
        audit_events::at,
        audit_events::actor_id,
        audit_events::actor_role,
        audit_events::client_addr,
        audit_events::action,
        audit_events::subject,
        audit_events::detail,
        audit_events::prev_hash,
        audit_events::hash,
    )
}

/// Up to `limit` chained events after sequence number `after` and up to `through`, in
/// chain order: the keyset walk of `truce audit verify` (the unique index on `seq`).
pub fn stored_after(
    conn: &mut DbConnection,
    after: i64,
    through: i64,
    limit: i64,
) -> QueryResult<Vec<Stored>> {
    audit_events::table
        .filter(audit_events::seq.gt(after))
        .filter(audit_events::seq.le(through))
        .order(audit_events::seq.asc())
        .limit(limit)
        .select(stored())
        .load(conn)
}

/// The chain head; `None` before the migration that made it.
pub fn head(conn: &mut DbConnection) -> QueryResult<Option<Head>> {
    Ok(audit_chain::table
        .find(1)
        .select((audit_chain::seq, audit_chain::hash))
        .first::<(i64, Option<String>)>(conn)
        .optional()?
        .map(|(seq, hash)| Head {
            seq,
            hash: hash.unwrap_or_default(),
        }))
}

/// The first chained event after sequence number `seq`, if any.
pub fn first_after(conn: &mut DbConnection, seq: i64) -> QueryResult<Option<Stored>> {
    Ok(stored_after(conn, seq, i64::MAX, 1)?.pop())
}

/// The highest sequence number stored.
pub fn max_seq(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    audit_events::table
        .select(diesel::dsl::max(audit_events::seq))
        .first(conn)
}

/// How many events have no place in the chain.
pub fn unchained(conn: &mut DbConnection) -> QueryResult<i64> {
    audit_events::table
        .filter(audit_events::seq.is_null())
        .count()
        .get_result(conn)
}

/// One recorded action, as (at, actor, action, detail).
pub type Entry = (NaiveDateTime, Option<String>, String, Option<String>);

/// The actions on `subject`, oldest first.
pub fn for_subject(conn: &mut DbConnection, subject: &str) -> QueryResult<Vec<Entry>> {
    audit_events::table
        .filter(audit_events::subject.eq(subject))
        .order((audit_events::seq.asc(), audit_events::at.asc()))
        .select((
            audit_events::at,
            audit_events::actor_id,
            audit_events::action,
            audit_events::detail,
        ))
        .load(conn)
}

/// What the admin page lists, each filter optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Part of the actor's email address.
    pub actor: String,
    /// An action code.
    pub action: Option<String>,
    /// Any of these subjects (`domain::audit::subjects_matching`); empty for any.
    pub subjects: Vec<String>,
    pub from: Option<NaiveDateTime>,
    /// Exclusive.
    pub until: Option<NaiveDateTime>,
}

/// A listed event with its actor's email and name.
#[derive(Debug, Clone)]
pub struct Listed {
    pub event: Stored,
    pub actor_email: Option<String>,
    pub actor_name: Option<String>,
}

/// Actors an email filter can stand for: more would be no filter worth the name.
const MAX_ACTORS: i64 = 500;

/// Up to `limit` events matching `filter`, newest first, after (older than) sequence number
/// `before`. The sequence is the keyset: unique and in commit order, and each filter has an
/// index ending in it.
pub fn page(
    conn: &mut DbConnection,
    filter: &Filter,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    use crate::db::search::contains;
    let mut query = audit_events::table
        .left_join(users::table.on(audit_events::actor_id.eq(users::id.nullable())))
        .filter(audit_events::seq.is_not_null())
        .into_boxed();
    let actor = filter.actor.trim().to_lowercase();
    if !actor.is_empty() {
        let ids: Vec<String> = users::table
            .filter(users::email.like(contains(&actor)).escape('\\'))
            .select(users::id)
            .limit(MAX_ACTORS)
            .load(conn)?;
        query = query
            .filter(audit_events::actor_id.eq_any(ids.into_iter().map(Some).collect::<Vec<_>>()));
    }
    if let Some(action) = &filter.action {
        query = query.filter(audit_events::action.eq(action.clone()));
    }
    if !filter.subjects.is_empty() {
        query = query.filter(audit_events::subject.eq_any(filter.subjects.clone()));
    }
    if filter.from.is_some() || filter.until.is_some() {
        let Some((first, last)) = seq_range(conn, filter.from, filter.until)? else {
            return Ok(Vec::new());
        };
        query = query
            .filter(audit_events::seq.ge(first))
            .filter(audit_events::seq.le(last));
    }
    if let Some(before) = before {
        query = query.filter(audit_events::seq.lt(before));
    }
    let rows: Vec<(Stored, Option<String>, Option<String>)> = query
        .order(audit_events::seq.desc())
        .limit(limit)
        .select((stored(), users::email.nullable(), users::name.nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(event, actor_email, actor_name)| Listed {
            event,
            actor_email,
            actor_name,
        })
        .collect())
}

/// The sequence numbers of the first and last events recorded from `from` and before
/// `until`; `None` when there are none. Time never runs backwards along the chain
/// (`domain::audit::recorded_at`), so these two ends, read through the index on (at, seq),
/// bound exactly the events of the range; filtering on `at` itself made the planner either
/// walk the sequence past every newer event or sort the whole range (2.6 s for a year at
/// 3,000,000 events on SQLite).
fn seq_range(
    conn: &mut DbConnection,
    from: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
) -> QueryResult<Option<(i64, i64)>> {
    let first = match from {
        None => Some(i64::MIN),
        Some(from) => audit_events::table
            .filter(audit_events::at.ge(from))
            .filter(audit_events::seq.is_not_null())
            .order((audit_events::at.asc(), audit_events::seq.asc()))
            .select(audit_events::seq.assume_not_null())
            .first::<i64>(conn)
            .optional()?,
    };
    let last = match until {
        None => Some(i64::MAX),
        Some(until) => audit_events::table
            .filter(audit_events::at.lt(until))
            .filter(audit_events::seq.is_not_null())
            .order((audit_events::at.desc(), audit_events::seq.desc()))
            .select(audit_events::seq.assume_not_null())
            .first::<i64>(conn)
            .optional()?,
    };
    Ok(match (first, last) {
        (Some(first), Some(last)) if first <= last => Some((first, last)),
        _ => None,
    })
}

/// What the records of `subjects` are called: a user's email, an organisation's,
/// territory's or registration's name. Subjects of other kinds, or of records gone since,
/// are left out.
pub fn record_names(
    conn: &mut DbConnection,
    subjects: &[&str],
) -> QueryResult<HashMap<String, String>> {
    let mut ids: HashMap<SubjectKind, Vec<String>> = HashMap::new();
    for s in subjects {
        if let Some((kind, id)) = audit::parse_subject(s)
            && !id.is_empty()
        {
            ids.entry(kind).or_default().push(id.to_owned());
        }
    }
    let mut names = HashMap::new();
    for (kind, ids) in ids {
        let found: Vec<(String, String)> = match kind {
            SubjectKind::User => users::table
                .filter(users::id.eq_any(&ids))
                .select((users::id, users::email))
                .load(conn)?,
            SubjectKind::Org => partner_orgs::table
                .filter(partner_orgs::id.eq_any(&ids))
                .select((partner_orgs::id, partner_orgs::name))
                .load(conn)?,
            SubjectKind::Territory => territories::table
                .filter(territories::id.eq_any(&ids))
                .select((territories::id, territories::name))
                .load(conn)?,
            SubjectKind::Registration => registrations::table
                .filter(registrations::id.eq_any(&ids))
                .select((registrations::id, registrations::company_name))
                .load(conn)?,
            _ => continue,
        };
        for (id, name) in found {
            names.insert(audit::subject(kind, &id), name);
        }
    }
    Ok(names)
}

/// The id of the user with this email, for a record filter typed as an email address.
pub fn user_id_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<String>> {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(conn)
        .optional()
}
