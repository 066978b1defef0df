//! The compensation rules: one form; saving makes a new version (who, when, what changed).
//! Deals already closed keep the version they were computed under.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::auth::{self, guard::AdminOnly, guard::Signed};
use crate::db::models::compensation::{self, RulesVersion};
use crate::db::{self, is_unique_violation, write_tx};
use crate::domain::compensation::{RulesForm, changes, validate_rules};
use crate::domain::dates::date_time;
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::routes::admin::policy::VersionRow;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid, see_other};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "admin/compensation.html")]
struct RulesPage {
    layout: Layout,
    form: RulesForm,
    errors: FieldErrors,
    current_version: i64,
    history: Vec<VersionRow>,
}

fn rows(history: &[RulesVersion]) -> Vec<VersionRow> {
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
                .map(|older| changes(&older.rules, &v.rules))
                .unwrap_or_default(),
        })
        .collect()
}

async fn page(
    signed: &Signed<AdminOnly>,
    state: &AppState,
    form: Option<RulesForm>,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let history = db::run(&state.pool, |conn| Ok(compensation::history(conn)?)).await?;
    let current = history
        .first()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no compensation rules version")))?;
    let invalid = !errors.is_empty();
    let page = RulesPage {
        layout: Layout::signed(signed, "/admin/compensation"),
        form: form.unwrap_or_else(|| RulesForm::from_rules(&current.rules)),
        errors,
        current_version: current.version,
        history: rows(&history),
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
    form: web::Form<RulesForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let rules = match validate_rules(&form) {
        Ok(r) => r,
        Err(errors) => return page(&signed, &state, Some(form), errors).await,
    };
    let now = state.clock.naive_now();
    let admin = signed.user.id.clone();
    let saved = db::run(&state.pool, move |conn| {
        Ok(write_tx(conn, |conn| {
            let current = compensation::current(conn)?;
            if current.rules == rules {
                return Ok(None);
            }
            compensation::insert(conn, &rules, Some(&admin), now).map(Some)
        }))
    })
    .await?;
    match saved {
        Ok(Some(version)) => {
            tracing::info!(admin = %signed.user.id, version, "compensation rules saved");
            auth::flash(
                &signed.session,
                format!(
                    "Compensation rules version {version} are now in force. Deals already closed keep their version."
                ),
            );
            Ok(see_other("/admin/compensation"))
        }
        Ok(None) => {
            auth::flash(
                &signed.session,
                "Nothing changed, so no new version was made.",
            );
            Ok(see_other("/admin/compensation"))
        }
        Err(e) if is_unique_violation(&e) => {
            let mut errors = FieldErrors::new();
            errors.add("form", "Another admin saved the rules at the same moment. Check the current values below and save again.");
            page(&signed, &state, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
