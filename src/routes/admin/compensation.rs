//! The compensation rules: one form; saving makes a new version (who, when, what changed).
//! Deals already closed keep the version they were computed under. The flow is `settings`'.

use actix_web::HttpResponse;
use askama::Template;

use super::settings::{HistoryRow, SettingsPage, Shown};
use crate::domain::audit::{Action, SubjectKind};
use crate::domain::compensation::{Rules, RulesForm, changes, validate_rules};
use crate::domain::errors::FieldErrors;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{render, render_invalid};

#[derive(Template)]
#[template(path = "admin/compensation.html")]
struct RulesPage {
    layout: Layout,
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
