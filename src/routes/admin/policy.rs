//! The program policy: one form; saving makes a new version (who, when, what changed). Past
//! decisions keep the version they were made under. The flow is `settings`'.

use actix_web::HttpResponse;
use askama::Template;

use super::settings::{HistoryRow, SettingsPage, Shown};
use crate::domain::audit::{Action, SubjectKind};
use crate::domain::errors::FieldErrors;
use crate::domain::money::CURRENCIES;
use crate::domain::policy::{Policy, PolicyForm, changes, validate_policy};
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::{Options, render, render_invalid};

#[derive(Template)]
#[template(path = "admin/policy.html")]
struct PolicyPage {
    layout: Layout,
    form: PolicyForm,
    errors: FieldErrors,
    current_version: i64,
    history: Vec<HistoryRow>,
    currencies: Options,
}

impl SettingsPage for Policy {
    type Form = PolicyForm;
    const PATH: &'static str = "/admin/policy";
    const AUDITED: (Action, SubjectKind) = (Action::PolicyChanged, SubjectKind::Policy);

    fn saved(version: i64) -> String {
        format!(
            "Policy version {version} is now in force. Decisions already made keep their version."
        )
    }

    fn validate(form: &PolicyForm) -> Result<Policy, FieldErrors> {
        validate_policy(form)
    }

    fn form_of(value: &Policy) -> PolicyForm {
        PolicyForm::from_policy(value)
    }

    fn changes(old: &Policy, new: &Policy) -> Vec<(&'static str, String, String)> {
        changes(old, new)
    }

    fn render(shown: Shown<PolicyForm>) -> Result<HttpResponse, AppError> {
        let invalid = !shown.errors.is_empty();
        let page = PolicyPage {
            layout: shown.layout,
            form: shown.form,
            errors: shown.errors,
            current_version: shown.current_version,
            history: shown.history,
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
}
