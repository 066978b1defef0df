//! Every credit of every deal won, for admins: partner commissions and reps' quota credit,
//! newest first. The columns are the ones the credits report has always had.

use diesel::QueryResult;

use super::Export;
use crate::db::DbConnection;
use crate::db::models::compensation::{self, Cursor, Listed, Whose};
use crate::routes::credits::CreditRow;

pub struct Credits;

impl Export for Credits {
    type Row = Listed;
    type Cursor = Cursor;

    const HEADER: &'static [&'static str] = &[
        "credit_id",
        "registration_id",
        "prospect",
        "beneficiary_type",
        "beneficiary",
        "kind",
        "rate_bp",
        "amount_minor",
        "amount",
        "currency",
        "rules_version",
        "credited_at",
    ];

    fn file_stem(&self) -> &'static str {
        "credits"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&Cursor>,
        limit: i64,
    ) -> QueryResult<Vec<Listed>> {
        compensation::list_page(conn, Whose::All, after, limit)
    }

    fn cursor(&self, row: &Listed) -> Option<Cursor> {
        Some((row.created_at, row.id.clone()))
    }

    /// Amounts both in minor units (exact, for systems) and as the exact decimal in the
    /// deal's currency (for people); never floating point.
    fn record(&self, row: &Listed) -> Vec<String> {
        let r = CreditRow::new(row);
        vec![
            r.id,
            r.registration_id,
            r.prospect,
            r.beneficiary_type.to_owned(),
            r.beneficiary,
            r.kind_code,
            r.bp.to_string(),
            r.amount_minor.to_string(),
            r.amount_plain,
            r.currency,
            r.rules_version.to_string(),
            r.credited_at,
        ]
    }
}
