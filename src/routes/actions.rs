//! The lifecycle actions behind the buttons on a registration page, shared by partners and
//! reviewers: parse the action's form, run the transition, and say what happened. Each form
//! field has a name unique on the page, so labels, errors and kept input never mix up.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::db;
use crate::db::models::registration;
use crate::domain::audit::Who;
use crate::domain::errors::FieldErrors;
use crate::domain::lifecycle::{Actor, Command, Refusal};
use crate::domain::money;
use crate::error::AppError;
use crate::state::AppState;
use crate::workflow::transition::{ActError, Acting, Scope, act};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActionForm {
    pub withdraw_reason: String,
    /// "yes" when the partner ticked that a withdrawal cannot be undone.
    pub withdraw_confirm: String,
    pub renew_note: String,
    pub answer: String,
    pub won_amount: String,
    pub won_date: String,
    pub lost_reason: String,
    pub reject_reason: String,
    pub info_question: String,
    pub renewal_reason: String,
    pub shared_reason: String,
    pub shared_note: String,
}

impl ActionForm {
    /// What the user typed, to put back into the page when the action is refused.
    pub fn kept(&self) -> BTreeMap<&'static str, String> {
        [
            ("withdraw_reason", &self.withdraw_reason),
            ("renew_note", &self.renew_note),
            ("answer", &self.answer),
            ("won_amount", &self.won_amount),
            ("won_date", &self.won_date),
            ("lost_reason", &self.lost_reason),
            ("reject_reason", &self.reject_reason),
            ("info_question", &self.info_question),
            ("renewal_reason", &self.renewal_reason),
            ("shared_reason", &self.shared_reason),
            ("shared_note", &self.shared_note),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.clone()))
        .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Withdraw,
    Renew,
    Answer,
    CloseWon,
    CloseLost,
    Approve,
    Reject,
    RequestInfo,
    ApproveRenewal,
    RejectRenewal,
    DeclineShared,
    KeepShared,
}

impl Action {
    fn command(self, form: &ActionForm, currency: &str) -> Result<Command, FieldErrors> {
        Ok(match self {
            Action::Withdraw => {
                // Withdrawing releases the prospect to anyone and cannot be undone: the
                // partner says so first, and a slip of the button changes nothing.
                if form.withdraw_confirm != "yes" {
                    let mut errors = FieldErrors::new();
                    errors.add(
                        "withdraw_confirm",
                        "Tick this box to confirm: the prospect is released and a withdrawal cannot be undone.",
                    );
                    return Err(errors);
                }
                Command::Withdraw {
                    reason: form.withdraw_reason.clone(),
                }
            }
            Action::Renew => Command::RequestRenewal {
                note: form.renew_note.clone(),
            },
            Action::Answer => Command::AnswerInfo {
                answer: form.answer.clone(),
            },
            Action::CloseLost => Command::CloseLost {
                reason: form.lost_reason.clone(),
            },
            Action::Approve => Command::Approve,
            Action::Reject => Command::Reject {
                reason: form.reject_reason.clone(),
            },
            Action::RequestInfo => Command::RequestInfo {
                question: form.info_question.clone(),
            },
            Action::ApproveRenewal => Command::ApproveRenewal,
            Action::RejectRenewal => Command::RejectRenewal {
                reason: form.renewal_reason.clone(),
            },
            Action::DeclineShared => Command::DeclineSharedProspect {
                reason: form.shared_reason.clone(),
            },
            Action::KeepShared => Command::KeepSharedProspect {
                note: form.shared_note.clone(),
            },
            Action::CloseWon => {
                let mut errors = FieldErrors::new();
                let amount = money::currency(currency)
                    .ok_or("Unknown currency.")
                    .and_then(|c| money::parse_amount(&form.won_amount, c));
                let date = NaiveDate::parse_from_str(form.won_date.trim(), "%Y-%m-%d");
                if let Err(message) = amount {
                    errors.add("won_amount", message);
                }
                if date.is_err() {
                    errors.add("won_date", "Enter the date the deal closed as YYYY-MM-DD.");
                }
                match (amount, date) {
                    (Ok(amount_minor), Ok(date)) => Command::CloseWon { amount_minor, date },
                    _ => return Err(errors),
                }
            }
        })
    }

    /// The page field a domain refusal about `field` belongs to.
    fn field_key(self, field: &str) -> &'static str {
        match (self, field) {
            (Action::CloseWon, "date") => "won_date",
            (Action::CloseWon, _) => "won_amount",
            (Action::Withdraw, _) => "withdraw_reason",
            (Action::Renew, _) => "renew_note",
            (Action::Answer, _) => "answer",
            (Action::CloseLost, _) => "lost_reason",
            (Action::Reject, _) => "reject_reason",
            (Action::RequestInfo, _) => "info_question",
            (Action::RejectRenewal, _) => "renewal_reason",
            (Action::DeclineShared, _) => "shared_reason",
            (Action::KeepShared, _) => "shared_note",
            (Action::Approve | Action::ApproveRenewal, _) => "form",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Action::Withdraw => "The registration was withdrawn.",
            Action::Renew => "Your renewal request was sent.",
            Action::Answer => "Your answer was sent; the review continues.",
            Action::CloseWon => "The deal was closed as won.",
            Action::CloseLost => "The deal was closed as lost.",
            Action::Approve => "Approved. The partner has been emailed.",
            Action::Reject => "Rejected. The partner has been emailed the reason.",
            Action::RequestInfo => {
                "Question sent. The SLA clock is paused until the partner answers."
            }
            Action::ApproveRenewal => "Renewal approved. The partner has been emailed.",
            Action::RejectRenewal => "Renewal rejected. The partner has been emailed the reason.",
            Action::DeclineShared => {
                "Declined: the earlier registration keeps the prospect. The partner has been emailed the reason."
            }
            Action::KeepShared => "Kept: both registrations stand as different companies.",
        }
    }
}

pub enum ActionResult {
    /// Done; the notice to show after the redirect.
    Done(String),
    /// A field needs fixing (422).
    Invalid(FieldErrors),
    /// Not possible in this state, or someone else acted first (409).
    Refused(String),
}

/// Runs `action` on registration `id` for the signed-in user. `org_id` scopes a partner to
/// their organisation: other organisations' registrations are not found.
pub async fn perform(
    state: &AppState,
    who: Who,
    org_id: Option<String>,
    actor: Actor,
    id: String,
    action: Action,
    form: ActionForm,
) -> Result<ActionResult, AppError> {
    let config = state.config.clone();
    let now = state.clock.naive_now();
    let result = db::run(&state.pool, move |conn| {
        let scope = match &org_id {
            Some(org) => Scope::Org(org),
            None => Scope::Any,
        };
        let currency = match scope {
            Scope::Org(org) => registration::find_in_org(conn, &id, org)?,
            Scope::Any => registration::find(conn, &id)?,
        }
        .map(|r| r.currency)
        .ok_or(AppError::NotFound)?;
        let command = match action.command(&form, &currency) {
            Ok(c) => c,
            Err(errors) => return Ok(Err(ActionResult::Invalid(errors))),
        };
        let acting = Acting {
            who: &who,
            actor,
            scope,
        };
        Ok(match act(conn, &config, &id, acting, command, now) {
            Ok(_) => Ok(()),
            Err(ActError::NotFound) => return Err(AppError::NotFound),
            Err(ActError::Db(e)) => return Err(e.into()),
            Err(ActError::Refused(Refusal::Field { field, message })) => {
                let mut errors = FieldErrors::new();
                errors.add(action.field_key(field), message);
                Err(ActionResult::Invalid(errors))
            }
            Err(ActError::Refused(r)) => Err(ActionResult::Refused(r.to_string())),
            Err(ActError::Conflict) => Err(ActionResult::Refused(
                "Someone else changed this registration at the same moment. Here it is as it \
                 stands now; check it before you act again."
                    .into(),
            )),
        })
    })
    .await?;
    Ok(match result {
        Ok(()) => ActionResult::Done(action.done().to_owned()),
        Err(outcome) => outcome,
    })
}
