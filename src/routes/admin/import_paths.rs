//! Where the CRM account import's pages are, for the upload page, the run pages and the
//! report alike.

pub const PATH: &str = "/admin/accounts/import";

/// The address of a run's page.
pub fn run_path(id: &str) -> String {
    format!("{PATH}/runs/{id}")
}
