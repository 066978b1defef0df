//! The pages of a versioned settings document (the program policy, the compensation rules):
//! the form with the version in force and its history, and saving as a new version (who,
//! when, what changed). The rules of engagement publish their own way (emails, re-checks)
//! but share the history partial (`templates/admin/_history.html`, [`HistoryRow`]).

use actix_web::{HttpResponse, web};
use serde::de::DeserializeOwned;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::audit;
use crate::db::models::versions::{self, Version, Versioned};
use crate::db::{self, is_unique_violation, write_tx};
use crate::domain::audit::{Action, SubjectKind, describe_changes, subject};
use crate::domain::dates::date_time;
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::see_other;
use crate::state::AppState;

/// One version in a history list.
pub struct HistoryRow {
    pub version: i64,
    /// The version's own page, where it has one.
    pub href: Option<String>,
    pub by: String,
    pub at: String,
    /// What changed ("SMB window (days): 90 → 60"), or what the version says.
    pub lines: Vec<String>,
}

/// The page state a settings page renders from.
pub struct Shown<F> {
    pub layout: Layout,
    pub form: F,
    pub errors: FieldErrors,
    pub current_version: i64,
    pub history: Vec<HistoryRow>,
}

/// A settings document an admin edits as a whole.
pub trait SettingsPage: Versioned + Send + 'static {
    type Form: DeserializeOwned + Send + 'static;
    /// The page's address (also where the form posts).
    const PATH: &'static str;
    /// How saving a version is recorded in the audit log, and the kind of record it is.
    const AUDITED: (Action, SubjectKind);
    /// "Policy version 3 is now in force. …"
    fn saved(version: i64) -> String;
    fn validate(form: &Self::Form) -> Result<Self, FieldErrors>;
    fn form_of(value: &Self) -> Self::Form;
    /// What changed from `old` to `new`: (setting, old value, new value).
    fn changes(old: &Self, new: &Self) -> Vec<(&'static str, String, String)>;
    /// Renders the page (its template holds the fields; the history is the partial's).
    fn render(shown: Shown<Self::Form>) -> Result<HttpResponse, AppError>;
}

/// The history, newest first, each version with what it changed from the one before.
pub fn history_rows<T: SettingsPage>(history: &[Version<T>]) -> Vec<HistoryRow> {
    history
        .iter()
        .enumerate()
        .map(|(i, v)| HistoryRow {
            version: v.version,
            href: None,
            at: date_time(v.created_at),
            by: v
                .created_by_name
                .clone()
                .unwrap_or_else(|| "Truce (initial defaults)".into()),
            lines: history
                .get(i + 1)
                .map(|older| T::changes(&older.value, &v.value))
                .unwrap_or_default()
                .into_iter()
                .map(|(label, old, new)| format!("{label}: {old} → {new}"))
                .collect(),
        })
        .collect()
}

async fn page<T: SettingsPage>(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    form: Option<T::Form>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let history = db::run(&state.pool, |conn| Ok(versions::history::<T>(conn)?)).await?;
    let current = history
        .first()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no {} version", T::WHAT)))?;
    T::render(Shown {
        layout: Layout::signed(signed, T::PATH),
        form: form.unwrap_or_else(|| T::form_of(&current.value)),
        errors,
        current_version: current.version,
        history: history_rows(&history),
    })
}

pub async fn show<T: SettingsPage>(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page::<T>(&signed, &state, None, FieldErrors::new()).await
}

/// Saves the form as a new version; the same values save nothing; invalid values come back
/// next to their fields; two admins saving at once: the second is asked to look again.
pub async fn save<T: SettingsPage>(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<T::Form>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let value = match T::validate(&form) {
        Ok(v) => v,
        Err(errors) => return page::<T>(&signed, &state, Some(form), errors).await,
    };
    let now = state.clock.naive_now();
    let admin = signed.user.id.clone();
    let who = signed.who();
    let saved = db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            let before = versions::current::<T>(conn)?.value;
            let saved = versions::save_if_changed(conn, &value, &admin, now)?;
            if let Some(version) = saved {
                let (action, kind) = T::AUDITED;
                audit::record(
                    conn,
                    &who,
                    action,
                    &subject(kind, &version.to_string()),
                    Some(&describe_changes(&T::changes(&before, &value))),
                    now,
                )?;
            }
            Ok(saved)
        }))
    })
    .await?;
    match saved {
        Ok(Some(version)) => {
            tracing::info!(admin = %signed.user.id, version, what = T::WHAT, "settings saved");
            auth::flash(&signed.session, T::saved(version));
            Ok(see_other(T::PATH))
        }
        Ok(None) => {
            auth::flash(
                &signed.session,
                "Nothing changed, so no new version was made.",
            );
            Ok(see_other(T::PATH))
        }
        Err(e) if is_unique_violation(&e) => {
            let mut errors = FieldErrors::new();
            errors.add(
                "form",
                format!(
                    "Another admin saved the {} at the same moment. Check the current values below and save again.",
                    T::WHAT
                ),
            );
            page::<T>(&signed, &state, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
