//! The registration workflow: each partner action, review decision and job step is one
//! transaction that applies a `domain::lifecycle` transition, stores it, writes the audit
//! event and queues the emails. Handlers and jobs call these; the rules live in the domain.

pub mod assist;
pub mod audit;
pub mod availability;
pub mod compensation;
pub mod crm_api;
pub mod crm_import;
pub mod crm_uploads;
pub mod dispute;
pub mod dispute_view;
pub mod flags;
pub mod import_run;
pub mod links;
pub mod lock_check;
pub mod matching;
pub mod notify;
pub mod registration_view;
pub mod review_evidence;
pub mod review_queue;
pub mod roe;
pub mod submit;
pub mod transition;
pub mod two_step;
pub mod webhooks;

use crate::db::models::registration::Registration;

/// The advisory-lock keys of a prospect (see `db::lock_keys`).
pub fn prospect_lock_keys(name_key: &str, domain_key: Option<&str>) -> Vec<String> {
    let mut keys = vec![format!("prospect-name:{name_key}")];
    if let Some(d) = domain_key {
        keys.push(format!("prospect-domain:{d}"));
    }
    keys
}

pub fn registration_lock_keys(r: &Registration) -> Vec<String> {
    prospect_lock_keys(&r.name_key, r.domain_key.as_deref())
}
