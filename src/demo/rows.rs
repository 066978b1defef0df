//! The rows the load inserts, as they are stored. `None` is NULL (not DEFAULT), so SQLite
//! takes many rows per statement (`db::insert_rows`); each row says how many values it
//! binds.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    credits, crm_accounts, deal_compensations, direct_opportunities, partner_orgs,
    registration_details, registration_events, registrations, users,
};

#[derive(Insertable)]
#[diesel(table_name = partner_orgs, treat_none_as_default_value = false)]
pub(super) struct OrgRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) name_key: String,
    pub(super) tier: &'static str,
    pub(super) status: &'static str,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}

impl OrgRow {
    pub(super) const COLUMNS: usize = 7;
}

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub(super) struct UserRow {
    pub(super) id: String,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) role: &'static str,
    pub(super) org_id: Option<String>,
    pub(super) org_admin: bool,
    pub(super) password_hash: Option<String>,
    pub(super) disabled_at: Option<NaiveDateTime>,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}

impl UserRow {
    pub(super) const COLUMNS: usize = 10;
}

#[derive(Insertable)]
#[diesel(table_name = registrations, treat_none_as_default_value = false)]
pub(super) struct RegRow {
    pub(super) id: String,
    pub(super) org_id: String,
    pub(super) submitted_by: String,
    pub(super) company_name: String,
    pub(super) name_key: String,
    pub(super) domain_key: Option<String>,
    pub(super) amount_minor: i64,
    pub(super) currency: &'static str,
    pub(super) program_units: i64,
    pub(super) segment: &'static str,
    pub(super) policy_version: i64,
    pub(super) submitted_at: NaiveDateTime,
    pub(super) status: &'static str,
    pub(super) review_due_at: Option<NaiveDateTime>,
    pub(super) sla_paused_secs: Option<i64>,
    pub(super) sla_escalated_at: Option<NaiveDateTime>,
    pub(super) queued_behind: Option<String>,
    pub(super) decided_at: Option<NaiveDateTime>,
    pub(super) decided_policy_version: Option<i64>,
    pub(super) protection_ends_at: Option<NaiveDateTime>,
    pub(super) reminder_sent_at: Option<NaiveDateTime>,
    pub(super) renewal: Option<&'static str>,
    pub(super) renewal_note: Option<&'static str>,
    pub(super) closed_at: Option<NaiveDateTime>,
    pub(super) close_amount_minor: Option<i64>,
    pub(super) close_date: Option<NaiveDate>,
    pub(super) outcome_reason: Option<String>,
    pub(super) lock_version: i64,
    pub(super) updated_at: NaiveDateTime,
    pub(super) country: &'static str,
    pub(super) industry: &'static str,
}

impl RegRow {
    pub(super) const COLUMNS: usize = 31;
}

#[derive(Insertable)]
#[diesel(table_name = registration_details, treat_none_as_default_value = false)]
pub(super) struct DetailRow {
    pub(super) registration_id: String,
    pub(super) website: String,
    pub(super) country: &'static str,
    pub(super) industry: &'static str,
    pub(super) contact_name: String,
    pub(super) contact_email: String,
    pub(super) contact_phone: String,
    pub(super) expected_close: NaiveDate,
    pub(super) relationship: &'static str,
}

impl DetailRow {
    pub(super) const COLUMNS: usize = 9;
}

#[derive(Insertable)]
#[diesel(table_name = registration_events, treat_none_as_default_value = false)]
pub(super) struct EventRow {
    pub(super) id: String,
    pub(super) registration_id: String,
    pub(super) at: NaiveDateTime,
    pub(super) actor_id: Option<String>,
    pub(super) kind: &'static str,
    pub(super) from_status: Option<&'static str>,
    pub(super) to_status: &'static str,
    pub(super) note: Option<String>,
    pub(super) policy_version: i64,
}

impl EventRow {
    pub(super) const COLUMNS: usize = 9;
}

#[derive(Insertable)]
#[diesel(table_name = crm_accounts, treat_none_as_default_value = false)]
pub(super) struct AccountRow {
    pub(super) id: String,
    pub(super) external_id: Option<String>,
    pub(super) name: String,
    pub(super) name_key: String,
    pub(super) domain_key: Option<String>,
    pub(super) country: Option<&'static str>,
    pub(super) industry: Option<&'static str>,
    pub(super) owner_email: Option<String>,
    pub(super) named_account: bool,
    pub(super) reserved_for_direct: bool,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
}

impl AccountRow {
    pub(super) const COLUMNS: usize = 12;
}

#[derive(Insertable)]
#[diesel(table_name = direct_opportunities, treat_none_as_default_value = false)]
pub(super) struct OpportunityRow {
    pub(super) id: String,
    pub(super) account_id: String,
    pub(super) owner_email: String,
    pub(super) stage: &'static str,
    pub(super) amount_minor: i64,
    pub(super) currency: &'static str,
    pub(super) last_activity_on: NaiveDate,
    pub(super) created_at: NaiveDateTime,
}

impl OpportunityRow {
    pub(super) const COLUMNS: usize = 8;
}

#[derive(Insertable)]
#[diesel(table_name = deal_compensations, treat_none_as_default_value = false)]
pub(super) struct CompensationRow {
    pub(super) registration_id: String,
    pub(super) rules_version: i64,
    pub(super) within_window: i32,
    pub(super) double_credit: i32,
    pub(super) computed_at: NaiveDateTime,
}

impl CompensationRow {
    pub(super) const COLUMNS: usize = 5;
}

#[derive(Insertable)]
#[diesel(table_name = credits, treat_none_as_default_value = false)]
pub(super) struct CreditRow {
    pub(super) id: String,
    pub(super) registration_id: String,
    pub(super) kind: &'static str,
    pub(super) org_id: Option<String>,
    pub(super) user_id: Option<String>,
    pub(super) bp: i64,
    pub(super) amount_minor: i64,
    pub(super) currency: &'static str,
    pub(super) rules_version: i64,
    pub(super) created_at: NaiveDateTime,
    pub(super) segment: &'static str,
    pub(super) partner_org_id: String,
    pub(super) country: &'static str,
    pub(super) industry: &'static str,
}

impl CreditRow {
    pub(super) const COLUMNS: usize = 14;
}
