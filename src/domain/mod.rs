//! Pure rules of the product: no IO, no clock reads, no database. Handlers and models call
//! these; the unit tests beside each rule are its specification.

pub mod delivery;
pub mod errors;
pub mod org;
pub mod password_policy;
pub mod role;
pub mod throttle;
pub mod user;
