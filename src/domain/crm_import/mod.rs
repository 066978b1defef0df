//! CRM account import: which column of an export holds what, and whether each row is an
//! account the portal can store. Pure: it reads CSV from any `Read` (a file, an upload, a
//! byte slice in a test) and decides; what is stored is the workflow's business
//! (`workflow::crm_import`).
//!
//! Rows are reported by their physical line in the file (the header is line 1), so a quoted
//! value that spans lines still points the user at the line their editor shows.
//!
//! One file per step a row goes through, each with its tests:
//!
//! - `file.rs`: the file as CSV records: its delimiter, what makes it unreadable as a whole
//!   ([`FileError`]), and how many rows it has ([`count_rows`]);
//! - `lines.rs`: the physical line of each record, counted from the bytes read;
//! - `columns.rs`: the header line: which column holds which [`Field`] ([`Columns`]), or
//!   which required ones are missing ([`MissingColumns`]);
//! - `reader.rs`: [`Reader`], row by row: a record of the wrong shape, text that is not UTF-8
//!   and an external id repeated in the file are refused there;
//! - `row.rs`: one row's values checked and normalised ([`validate_row`] gives an
//!   [`AccountRow`] or its [`RowError`]s);
//! - `country.rs`: a country given by its code or by its name, in English or as CRMs write it.

mod columns;
mod country;
mod file;
mod lines;
mod reader;
mod row;

#[cfg(test)]
mod fixtures;

pub use columns::{Columns, Field, MissingColumns, header_key};
pub use country::country_code;
pub use file::{FileError, count_rows, sniff_delimiter};
pub use reader::Reader;
pub use row::{
    AccountRow, MAX_EMAIL, MAX_EXTERNAL_ID, MAX_INDUSTRY, MAX_NAME, MAX_WEBSITE, Row, RowError,
    parse_flag, validate_row,
};

/// At most `max` characters of `text`, with an ellipsis when cut: user values quoted back in
/// messages.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}…")
    }
}
