//! Co-selling: the territory's direct rep on some of the partners' deals. One won deal in
//! four had a rep assisting (who asked and was accepted, or was assigned by the channel
//! team) and shares its quota credit; one approved deal in five has a rep asking, accepted,
//! declined or assigned. Each step has its timeline event, written as the portal writes it.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::Rng;

use super::Fill;
use super::POLICY_VERSION;
use super::orgs::Rep;
use super::plan::Kind;
use super::random::{pick, secs};
use super::rows::{EventRow, RegRow};
use crate::db::models::assist::AssistStatus;
use crate::db::schema::assists;
use crate::domain::lifecycle::EventKind;

/// What reps write when they ask.
const NOTES: [&str; 4] = [
    "I own the account on our side and can bring our solution architect to the next workshop.",
    "Their procurement team knows me from the last renewal; happy to help close.",
    "We have a reference customer in their industry I can introduce.",
    "",
];

#[derive(Insertable)]
#[diesel(table_name = assists, treat_none_as_default_value = false)]
pub(super) struct AssistRow {
    pub(super) id: String,
    pub(super) registration_id: String,
    pub(super) rep_id: String,
    pub(super) status: &'static str,
    pub(super) note: String,
    pub(super) requested_by: String,
    pub(super) requested_at: NaiveDateTime,
    pub(super) decided_by: Option<String>,
    pub(super) decided_at: Option<NaiveDateTime>,
}

impl AssistRow {
    pub(super) const COLUMNS: usize = 9;

    /// The rep is on the deal and shares its credit.
    pub(super) fn is_active(&self) -> bool {
        AssistStatus::parse(self.status).is_some_and(AssistStatus::is_active)
    }
}

/// Whose the steps are: the registration's partner user and the channel manager.
pub(super) struct Actors<'a> {
    pub(super) partner: &'a str,
    pub(super) channel: &'a str,
}

/// The assist on `r` (already given its id and history), if it has one, with its timeline
/// events; `rep` is the rep of the territory covering its prospect.
pub(super) fn draw(
    fill: &mut Fill,
    kind: Kind,
    r: &RegRow,
    rep: &Rep,
    who: &Actors,
) -> Option<(AssistRow, Vec<EventRow>)> {
    let hour = TimeDelta::hours(1);
    let (status, until) = match kind {
        Kind::Won if fill.rng.random_range(0..4) == 0 => (
            if fill.rng.random_range(0..3) == 0 {
                AssistStatus::Assigned
            } else {
                AssistStatus::Accepted
            },
            r.closed_at?,
        ),
        Kind::Approved if fill.rng.random_range(0..5) == 0 => (
            pick(
                &mut fill.rng,
                &[
                    AssistStatus::Requested,
                    AssistStatus::Requested,
                    AssistStatus::Accepted,
                    AssistStatus::Accepted,
                    AssistStatus::Declined,
                    AssistStatus::Assigned,
                ],
            ),
            fill.now,
        ),
        _ => return None,
    };
    let from = r.decided_at? + hour;
    if until - from < hour * 3 {
        return None;
    }
    // Asked in the first two thirds of the time, answered in the rest (within three days).
    let asked = from + secs(&mut fill.rng, TimeDelta::zero(), (until - from) * 2 / 3);
    let answered = asked
        + hour
        + secs(
            &mut fill.rng,
            TimeDelta::zero(),
            (until - asked - hour).min(TimeDelta::days(3)),
        );
    let mut events = Vec::new();
    let mut event = |fill: &mut Fill, at, actor: &str, kind: EventKind, note: String| {
        events.push(EventRow {
            id: fill.ids.next(&mut fill.rng),
            registration_id: r.id.clone(),
            at,
            actor_id: Some(actor.to_owned()),
            kind: kind.as_str(),
            from_status: Some("approved"),
            to_status: "approved",
            note: Some(note),
            policy_version: POLICY_VERSION,
        });
    };
    let mut row = AssistRow {
        id: fill.ids.next(&mut fill.rng),
        registration_id: r.id.clone(),
        rep_id: rep.id.clone(),
        status: status.as_str(),
        note: String::new(),
        requested_by: rep.id.clone(),
        requested_at: asked,
        decided_by: None,
        decided_at: None,
    };
    if status == AssistStatus::Assigned {
        row.requested_by = who.channel.to_owned();
        row.decided_by = Some(who.channel.to_owned());
        row.decided_at = Some(asked);
        let note = format!("{} assigned by the channel team", rep.name);
        event(fill, asked, who.channel, EventKind::AssistAssigned, note);
        return Some((row, events));
    }
    row.note = pick(&mut fill.rng, &NOTES).to_owned();
    let note = match row.note.as_str() {
        "" => format!("{} asked to assist", rep.name),
        text => format!("{} asked to assist: {text}", rep.name),
    };
    event(fill, asked, &rep.id, EventKind::AssistRequested, note);
    let word = match status {
        AssistStatus::Accepted => ("accepted", EventKind::AssistAccepted),
        AssistStatus::Declined => ("declined", EventKind::AssistDeclined),
        _ => return Some((row, events)),
    };
    row.decided_by = Some(who.partner.to_owned());
    row.decided_at = Some(answered);
    let note = format!("{} {} as assisting rep", rep.name, word.0);
    event(fill, answered, who.partner, word.1, note);
    Some((row, events))
}
