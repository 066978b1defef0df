//! Truce: a partner portal for deal registration. See `DESIGN.md` in the shared folder for
//! the rules the product enforces and the shape of this crate.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod ids;
pub mod jobs;
pub mod mail;
pub mod memo;
pub mod metrics;
pub mod routes;
pub mod sealed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workflow;

pub use startup::Application;
