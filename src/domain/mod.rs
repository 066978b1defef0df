//! Pure rules of the product: no IO, no clock reads, no database. Handlers and models call
//! these; the unit tests beside each rule are its specification.

pub mod api;
pub mod audit;
pub mod backup;
pub mod chart;
pub mod code;
pub mod compensation;
pub mod crm_import;
pub mod dashboard;
pub mod dates;
pub mod delivery;
pub mod dispute;
pub mod errors;
pub mod flag;
pub mod lifecycle;
pub mod lock;
pub mod matching;
pub mod money;
pub mod opportunity;
pub mod org;
pub mod password_policy;
pub mod policy;
pub mod prospect;
pub mod registration;
pub mod roe;
pub mod roe_knowledge;
pub mod role;
pub mod scorecard;
pub mod sla;
pub mod spreadsheet;
pub mod sso;
pub mod territory;
pub mod throttle;
pub mod two_step;
pub mod user;
pub mod webhook;
