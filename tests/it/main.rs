//! Integration tests: the real app over HTTP against a real database (SQLite always;
//! PostgreSQL as well when TRUCE_TEST_POSTGRES_URL is set).

mod helpers;

mod admin;
mod architecture;
mod audit;
mod authz;
mod backup;
mod browser;
mod browser_every_page;
mod cli;
mod compensation;
mod compensation_property;
mod dashboard;
mod demo;
mod disputes;
mod exports;
mod import;
mod jobs;
mod lock_check;
mod lock_verdicts;
mod login;
mod mail;
mod metrics;
mod prospect_identity;
mod registration_races;
mod registrations;
mod roe;
mod schema;
mod security;
mod sessions;
mod setup;
mod shutdown;
mod system;
mod territories;
mod upgrade;
