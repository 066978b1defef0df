//! The compensation rules: one form; saving makes a new version (who, when, what changed).
//! Deals already closed keep the version they were computed under. The flow is `settings`';
//! the form is read from the posted pairs (`RulesForm`'s serde goes through `from_pairs`),
//! as the grid's field names are a table rather than struct fields.

use actix_web::HttpResponse;
use askama::Template;

use super::settings::{HistoryRow, SettingsPage, Shown};
use crate::domain::audit::{Action, SubjectKind};
use crate::domain::compensation::Rules;
use crate::domain::compensation::form::{
    CELLS, GRID_SEGMENTS, GRID_TIERS, RulesForm, changes, validate_rules,
};
use crate::domain::errors::FieldErrors;
use crate::domain::org::Tier;
use crate::domain::policy::Segment;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid};

/// One tier's row of the rate grid.
pub struct GridRow {
    pub header: &'static str,
    pub cells: Vec<GridCell>,
}

pub struct GridCell {
    pub name: &'static str,
    /// The input's (visually hidden) label: a cell means nothing without its row and column.
    pub label: String,
    pub value: String,
    /// Any tier and any segment: the default rate, the one cell that must be filled.
    pub is_default: bool,
}

fn grid(form: &RulesForm) -> Vec<GridRow> {
    GRID_TIERS
        .iter()
        .zip(&CELLS)
        .zip(&form.rates)
        .map(|((tier, names), typed)| GridRow {
            header: tier.map_or("Any tier", Tier::label),
            cells: GRID_SEGMENTS
                .iter()
                .zip(names)
                .zip(typed)
                .map(|((segment, (name, label)), value)| {
                    let is_default = tier.is_none() && segment.is_none();
                    GridCell {
                        name,
                        label: if is_default {
                            format!("{label} (%), any tier and any segment")
                        } else {
                            format!("{label} commission (%)")
                        },
                        value: value.clone(),
                        is_default,
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/compensation.html")]
struct RulesPage {
    layout: Layout,
    columns: Vec<&'static str>,
    grid: Vec<GridRow>,
    form: RulesForm,
    errors: FieldErrors,
    current_version: i64,
    history: Vec<HistoryRow>,
}

impl SettingsPage for Rules {
    type Form = RulesForm;
    const PATH: &'static str = "/admin/compensation";
    const AUDITED: (Action, SubjectKind) = (Action::CompensationChanged, SubjectKind::Compensation);

    fn saved(version: i64) -> String {
        format!(
            "Compensation rules version {version} are now in force. Deals already closed keep their version."
        )
    }

    fn validate(form: &RulesForm) -> Result<Rules, FieldErrors> {
        validate_rules(form)
    }

    fn form_of(value: &Rules) -> RulesForm {
        RulesForm::from_rules(value)
    }

    fn changes(old: &Rules, new: &Rules) -> Vec<(&'static str, String, String)> {
        changes(old, new)
    }

    fn render(shown: Shown<RulesForm>) -> Result<HttpResponse, AppError> {
        let invalid = !shown.errors.is_empty();
        let page = RulesPage {
            layout: shown.layout,
            columns: GRID_SEGMENTS
                .iter()
                .map(|s| s.map_or("Any segment", Segment::label))
                .collect(),
            grid: grid(&shown.form),
            form: shown.form,
            errors: shown.errors,
            current_version: shown.current_version,
            history: shown.history,
        };
        if invalid {
            render_invalid(&page)
        } else {
            render(&page)
        }
    }
}
