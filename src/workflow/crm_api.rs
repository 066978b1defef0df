//! CRM accounts and direct opportunities sent by a CRM integration through the API: upserted
//! by the CRM's external id, many per request, inside the caller's transaction (one per
//! request). Each item is checked before anything is written, with the CSV import's own
//! checks and normaliser (`domain::crm_import::validate_row`, keys from `domain::prospect`),
//! so an item is stored whole or not at all, and a bad item does not stop the good ones.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};

use super::crm_import::{Plan, plan};
use crate::db::models::crm::{self, Account, SyncedOpportunity};
use crate::db::{self, DbConnection};
use crate::domain::crm_import::{AccountRow, Columns, Field, Row, RowError, validate_row};
use crate::domain::opportunity::{OpportunityForm, validate};
use crate::domain::policy::Policy;
use crate::domain::user::is_plausible_email;

/// An account as the API receives it. The whole account is sent: a value left out is
/// cleared, as an empty cell of a column the import file has.
#[derive(Debug, Clone, Default)]
pub struct AccountValues {
    pub external_id: String,
    pub name: String,
    pub website: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub owner_email: Option<String>,
    pub named_account: bool,
    pub reserved_for_direct: bool,
}

/// What became of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created(String),
    Updated(String),
    Unchanged(String),
    /// Not stored: each problem with the field it is about (`column` is the field's name).
    Invalid(Vec<RowError>),
}

/// The columns of an API item: every field, by its canonical name, so that errors name the
/// JSON field.
fn all_columns() -> Columns {
    let headers: Vec<&str> = Field::ALL.iter().map(|f| f.canonical()).collect();
    Columns::from_headers(&headers).expect("every field has its canonical header")
}

/// Checks and normalises one item, as the import checks a row; `index` stands for the line.
pub fn check_account(values: &AccountValues, index: u64) -> Result<AccountRow, Vec<RowError>> {
    let flag = |b: bool| if b { "true" } else { "false" };
    let cells: Vec<&str> = Field::ALL
        .iter()
        .map(|f| match f {
            Field::ExternalId => values.external_id.as_str(),
            Field::Name => values.name.as_str(),
            Field::Website => values.website.as_deref().unwrap_or(""),
            Field::Country => values.country.as_deref().unwrap_or(""),
            Field::Industry => values.industry.as_deref().unwrap_or(""),
            Field::OwnerEmail => values.owner_email.as_deref().unwrap_or(""),
            Field::NamedAccount => flag(values.named_account),
            Field::ReservedForDirect => flag(values.reserved_for_direct),
        })
        .collect();
    match validate_row(&all_columns(), &cells, index) {
        Row::Valid(row) => Ok(row),
        Row::Invalid(errors) => Err(errors),
    }
}

fn repeated(index: u64, field: &str, what: &str) -> Vec<RowError> {
    vec![RowError {
        line: index,
        column: field.to_owned(),
        message: format!("This {what} is repeated in the request: send each one once."),
    }]
}

/// Upserts checked accounts in the caller's write transaction: new external ids are
/// inserted (in one multi-row insert, as the import does), changed accounts updated with
/// their matching keys, unchanged ones left alone. Items that failed their check are
/// reported back in place; a repeated external id fails on its later item.
pub fn upsert_accounts_in_tx(
    conn: &mut DbConnection,
    items: Vec<Result<AccountRow, Vec<RowError>>>,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<Outcome>> {
    // Two writers on one PostgreSQL database take turns, as two imports do, so neither
    // inserts an external id the other has just inserted.
    db::lock_keys(conn, &["crm-import".to_owned()])?;
    let mut seen = HashSet::new();
    let items: Vec<Result<AccountRow, Vec<RowError>>> = items
        .into_iter()
        .map(|item| match item {
            Ok(row) if !seen.insert(row.external_id.clone()) => {
                Err(repeated(row.line, "external_id", "external id"))
            }
            other => other,
        })
        .collect();
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|i| i.as_ref().ok().map(|r| r.external_id.as_str()))
        .collect();
    let stored = crm::by_external_ids(conn, &ids)?;
    let by_id: HashMap<&str, &Account> = stored
        .iter()
        .filter_map(|a| a.external_id.as_deref().map(|id| (id, a)))
        .collect();
    let columns = all_columns();
    let listeners = super::webhooks::Listeners::load(conn)?;
    let mut outcomes = Vec::with_capacity(items.len());
    let mut new_rows: Vec<(usize, &AccountRow)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let row = match item {
            Ok(row) => row,
            Err(errors) => {
                outcomes.push(Outcome::Invalid(errors.clone()));
                continue;
            }
        };
        match plan(row, by_id.get(row.external_id.as_str()).copied(), &columns) {
            Plan::Create => {
                new_rows.push((i, row));
                outcomes.push(Outcome::Created(String::new()));
            }
            Plan::Unchanged => {
                let id = by_id[row.external_id.as_str()].id.clone();
                outcomes.push(Outcome::Unchanged(id));
            }
            Plan::Update(before, after, _) => {
                crm::update_imported(conn, before, &after, now)?;
                listeners.account(conn, Some(before), &before.id, &after, now)?;
                outcomes.push(Outcome::Updated(before.id.clone()));
            }
        }
    }
    let rows: Vec<&AccountRow> = new_rows.iter().map(|(_, r)| *r).collect();
    if !rows.is_empty() {
        let new_ids = crm::insert_imported(conn, &rows, now)?;
        for ((i, row), id) in new_rows.iter().zip(new_ids) {
            listeners.account(conn, None, &id, row, now)?;
            outcomes[*i] = Outcome::Created(id);
        }
    }
    Ok(outcomes)
}

/// A direct opportunity as the API receives it.
#[derive(Debug, Clone, Default)]
pub struct OpportunityValues {
    pub external_id: String,
    pub account_external_id: String,
    pub owner_email: String,
    pub stage: String,
    /// Decimal text in the currency's units ("45000.00"), as the page's form takes it.
    pub amount: String,
    pub currency: String,
    pub last_activity_on: String,
}

fn field_error(index: u64, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        line: index,
        column: field.to_owned(),
        message: message.into(),
    }
}

/// Upserts direct opportunities in the caller's write transaction. Each is checked as the
/// account page checks a rep's (stage, amount, currency, last activity not in the future),
/// and must name a stored account by its external id.
pub fn upsert_opportunities_in_tx(
    conn: &mut DbConnection,
    items: &[OpportunityValues],
    policy: &Policy,
    today: NaiveDate,
    now: NaiveDateTime,
) -> diesel::QueryResult<Vec<Outcome>> {
    let account_ids: Vec<&str> = items.iter().map(|o| o.account_external_id.trim()).collect();
    let accounts = crm::by_external_ids(conn, &account_ids)?;
    let account_of: HashMap<&str, &str> = accounts
        .iter()
        .filter_map(|a| a.external_id.as_deref().map(|e| (e, a.id.as_str())))
        .collect();
    let mut seen = HashSet::new();
    let mut outcomes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let index = i as u64;
        let mut errors = Vec::new();
        let external_id = item.external_id.trim();
        if external_id.is_empty() || external_id.chars().count() > 100 {
            errors.push(field_error(
                index,
                "external_id",
                "Give the CRM's id of the opportunity (1 to 100 characters).",
            ));
        } else if !seen.insert(external_id) {
            errors.extend(repeated(index, "external_id", "external id"));
        }
        let account = account_of.get(item.account_external_id.trim()).copied();
        if account.is_none() {
            errors.push(field_error(
                index,
                "account_external_id",
                "No CRM account has this external id: send the account first.",
            ));
        }
        let owner = item.owner_email.trim().to_lowercase();
        if owner.len() > 254 || !is_plausible_email(&owner) {
            errors.push(field_error(
                index,
                "owner_email",
                "Give the owning rep's email address, like jo@vendor.com.",
            ));
        }
        let form = OpportunityForm {
            stage: item.stage.clone(),
            amount: item.amount.clone(),
            currency: item.currency.clone(),
            last_activity_on: item.last_activity_on.clone(),
        };
        let valid = match validate(&form, policy, today) {
            Ok(v) => Some(v),
            Err(fields) => {
                errors.extend(fields.iter().map(|(f, m)| field_error(index, f, m)));
                None
            }
        };
        match (valid, account) {
            (Some(v), Some(account_id)) if errors.is_empty() => {
                let created = crm::upsert_opportunity(
                    conn,
                    &SyncedOpportunity {
                        external_id,
                        account_id,
                        owner_email: &owner,
                        stage: v.stage,
                        amount_minor: v.amount_minor,
                        currency: v.currency,
                        last_activity_on: v.last_activity_on,
                    },
                    now,
                )?;
                let id = external_id.to_owned();
                outcomes.push(if created {
                    Outcome::Created(id)
                } else {
                    Outcome::Updated(id)
                });
            }
            _ => outcomes.push(Outcome::Invalid(errors)),
        }
    }
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_is_checked_as_an_import_row_and_errors_name_the_json_field() {
        let good = AccountValues {
            external_id: " A1 ".into(),
            name: "Acme  GmbH".into(),
            website: Some("https://www.acme.de/x".into()),
            country: Some("Germany".into()),
            named_account: true,
            ..AccountValues::default()
        };
        let row = check_account(&good, 0).unwrap();
        assert_eq!(row.external_id, "A1");
        assert_eq!(row.name, "Acme GmbH");
        assert_eq!(row.domain_key.as_deref(), Some("acme.de"));
        assert_eq!(row.country.as_deref(), Some("DE"));
        assert!(row.named_account);

        let bad = AccountValues {
            external_id: String::new(),
            name: "Acme".into(),
            country: Some("Atlantis".into()),
            ..AccountValues::default()
        };
        let errors = check_account(&bad, 3).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(fields, ["external_id", "country"]);
        assert!(errors.iter().all(|e| e.line == 3));
    }
}
