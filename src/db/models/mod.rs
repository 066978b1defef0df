//! Row structs and the queries on them. Functions are synchronous, take `&mut DbConnection`
//! and are named for what they do; callers run them through `db::run`.

pub mod api_token;
pub mod app_secret;
pub mod assist;
pub mod audit;
pub mod compensation;
pub mod crm;
pub mod crm_list;
pub mod dispute;
pub mod flag;
pub mod gauges;
pub mod idempotency;
pub mod import_run;
pub mod login_failure;
pub mod org;
pub mod outbox;
pub mod policy;
pub mod prospect_identity;
pub mod prospect_key;
pub mod registration;
pub mod registration_match;
pub mod roe;
pub mod roe_knowledge;
pub mod scorecard;
pub mod session;
pub mod slice;
pub mod tally;
pub mod territory;
pub mod token;
pub mod two_step;
pub mod user;
pub mod versions;
pub mod webhook;
