//! What the tests of the steps share: a whole file read through [`Reader`], as the workflow
//! reads it, and a row taken as valid or invalid.

use super::{AccountRow, Columns, Reader, Row, RowError};

pub(super) fn read_rows(csv: &str) -> (Columns, Vec<Row>) {
    let mut reader = Reader::new(csv.as_bytes()).unwrap();
    let mut out = Vec::new();
    while let Some(row) = reader.next_row().unwrap() {
        out.push(row);
    }
    (reader.columns().clone(), out)
}

pub(super) fn valid(row: &Row) -> &AccountRow {
    match row {
        Row::Valid(r) => r,
        Row::Invalid(e) => panic!("row should be valid: {e:?}"),
    }
}

pub(super) fn errors(row: &Row) -> &[RowError] {
    match row {
        Row::Valid(r) => panic!("row should be invalid: {r:?}"),
        Row::Invalid(e) => e,
    }
}
