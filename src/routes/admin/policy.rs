//! The program policy: one form; saving makes a new version (who, when, what changed). Past
//! decisions keep the version they were made under.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::policy::{self, PolicyVersion};
use crate::db::{self, is_unique_violation, write_tx};
use crate::domain::dates::date_time;
use crate::domain::errors::FieldErrors;
use crate::domain::money::CURRENCIES;
use crate::domain::policy::{PolicyForm, changes, validate_policy};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{Options, render, render_invalid, see_other};
use crate::state::AppState;

pub struct VersionRow {
    pub version: i64,
    pub saved: String,
    pub by: String,
    pub changes: Vec<(&'static str, String, String)>,
}

#[derive(Template)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    layout: Layout,
    form: PolicyForm,
    errors: FieldErrors,
    current_version: i64,
    history: Vec<VersionRow>,
    currencies: Options,
}

fn rows(history: &[PolicyVersion]) -> Vec<VersionRow> {
    history
        .iter()
        .enumerate()
        .map(|(i, v)| VersionRow {
            version: v.version,
            saved: date_time(v.created_at),
            by: v
                .created_by_name
                .clone()
                .unwrap_or_else(|| "Truce (initial defaults)".into()),
            changes: history
                .get(i + 1)
                .map(|older| changes(&older.policy, &v.policy))
                .unwrap_or_default(),
        })
        .collect()
}

async fn page(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    form: Option<PolicyForm>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let history = db::run(&state.pool, |conn| Ok(policy::history(conn)?)).await?;
    let current = history
        .first()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no policy version")))?;
    let invalid = !errors.is_empty();
    let page = PolicyPage {
        layout: Layout::signed(signed, "/admin/policy"),
        form: form.unwrap_or_else(|| PolicyForm::from_policy(&current.policy)),
        errors,
        current_version: current.version,
        history: rows(&history),
        currencies: CURRENCIES
            .iter()
            .map(|c| (c.code.to_owned(), format!("{} – {}", c.code, c.name)))
            .collect(),
    };
    if invalid {
        render_invalid(&page)
    } else {
        render(&page)
    }
}

pub async fn show(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    page(&signed, &state, None, FieldErrors::new()).await
}

pub async fn save(
    signed: Signed<AdminOnly>,
    state: web::Data<AppState>,
    form: web::Form<PolicyForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let policy = match validate_policy(&form) {
        Ok(p) => p,
        Err(errors) => return page(&signed, &state, Some(form), errors).await,
    };
    let now = state.clock.naive_now();
    let admin = signed.user.id.clone();
    let saved = db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            let current = policy::current(conn)?;
            if current.policy == policy {
                return Ok(None);
            }
            policy::insert(conn, &policy, Some(&admin), now).map(Some)
        }))
    })
    .await?;
    match saved {
        Ok(Some(version)) => {
            tracing::info!(admin = %signed.user.id, version, "program policy saved");
            auth::flash(
                &signed.session,
                format!(
                    "Policy version {version} is now in force. Decisions already made keep their version."
                ),
            );
            Ok(see_other("/admin/policy"))
        }
        Ok(None) => {
            auth::flash(
                &signed.session,
                "Nothing changed, so no new version was made.",
            );
            Ok(see_other("/admin/policy"))
        }
        Err(e) if is_unique_violation(&e) => {
            let mut errors = FieldErrors::new();
            errors.add("form", "Another admin saved the policy at the same moment. Check the current values below and save again.");
            page(&signed, &state, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
