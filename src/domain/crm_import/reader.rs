//! Reading a file row by row: the header first, then each record checked for its shape (as
//! many values as columns, UTF-8 text), for an external id repeated in the file, and by
//! [`validate_row`] for its values.

use std::collections::HashMap;
use std::io::Read;

use super::file::{CsvReader, csv_reader, is_blank};
use super::lines::Lines;
use super::{Columns, Field, FileError, Row, RowError, shorten, validate_row};

/// Reads and checks the rows of a CSV file one at a time. Remembers every external id it has
/// seen, so a repeat is refused on its later line.
pub struct Reader<R: Read> {
    csv: CsvReader<R>,
    lines: std::rc::Rc<std::cell::RefCell<Lines>>,
    columns: Columns,
    record: csv::ByteRecord,
    seen: HashMap<String, u64>,
}

impl<R: Read> Reader<R> {
    /// Reads the header line and maps its columns.
    pub fn new(input: R) -> Result<Self, FileError> {
        let (mut csv, lines) = csv_reader(input)?;
        let header = csv.byte_headers()?.clone();
        if header.is_empty() || is_blank(&header) {
            return Err(FileError::Empty);
        }
        let mut names = Vec::with_capacity(header.len());
        for raw in &header {
            names.push(std::str::from_utf8(raw).map_err(|_| FileError::NotText)?);
        }
        let columns = Columns::from_headers(&names).map_err(FileError::Header)?;
        Ok(Self {
            csv,
            lines,
            columns,
            record: csv::ByteRecord::new(),
            seen: HashMap::new(),
        })
    }

    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// The next data row, checked; `None` at the end of the file. Blank lines are skipped.
    pub fn next_row(&mut self) -> Result<Option<Row>, FileError> {
        loop {
            if !self.csv.read_byte_record(&mut self.record)? {
                return Ok(None);
            }
            if is_blank(&self.record) {
                continue;
            }
            let byte = self.record.position().map_or(0, |p| p.byte());
            let line = self.lines.borrow_mut().line_at(byte);
            return Ok(Some(self.check(line)));
        }
    }

    fn check(&mut self, line: u64) -> Row {
        let expected = self.columns.headers.len();
        let found = self.record.len();
        if found != expected {
            let hint = if found > expected {
                "is a comma inside a value missing its quotes?"
            } else {
                "is the line cut short?"
            };
            return Row::Invalid(vec![RowError {
                line,
                column: String::new(),
                message: format!(
                    "This line has {found} values but the header has {expected} columns: {hint}"
                ),
            }]);
        }
        let mut values: Vec<&str> = Vec::with_capacity(found);
        for raw in &self.record {
            match std::str::from_utf8(raw) {
                Ok(s) => values.push(s),
                Err(_) => {
                    return Row::Invalid(vec![RowError {
                        line,
                        column: String::new(),
                        message: "This line is not UTF-8 text: save the file as \"CSV UTF-8\"."
                            .into(),
                    }]);
                }
            }
        }
        let row = validate_row(&self.columns, &values, line);
        if let Some(id) = row_external_id(&self.columns, &values) {
            match self.seen.get(&id) {
                Some(first) => {
                    let error = RowError {
                        line,
                        column: self.columns.header(Field::ExternalId).to_owned(),
                        message: format!(
                            "The external id \"{}\" is already on line {first}: each account may \
                             appear once in a file.",
                            shorten(&id, 40)
                        ),
                    };
                    return match row {
                        Row::Valid(_) => Row::Invalid(vec![error]),
                        Row::Invalid(mut errors) => {
                            errors.insert(0, error);
                            Row::Invalid(errors)
                        }
                    };
                }
                None => {
                    self.seen.insert(id, line);
                }
            }
        }
        row
    }
}

fn row_external_id(columns: &Columns, values: &[&str]) -> Option<String> {
    let id = values[columns.index(Field::ExternalId)?].trim();
    (!id.is_empty()).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crm_import::fixtures::{errors, read_rows};

    #[test]
    fn a_repeated_external_id_is_an_error_on_the_later_line() {
        let (_, rows) = read_rows("external_id,name\nA1,One\nA2,Two\nA1,One again\n");
        assert!(matches!(rows[0], Row::Valid(_)));
        assert!(matches!(rows[1], Row::Valid(_)));
        let e = errors(&rows[2]);
        assert_eq!(e[0].line, 4);
        assert!(
            e[0].message.contains("already on line 2"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn lines_with_too_many_or_too_few_values_are_refused() {
        let (_, rows) =
            read_rows("external_id,name,website\n1,Acme, Inc.,acme.com\n2,Short\n3,Fine,\n");
        assert!(errors(&rows[0])[0].message.contains("4 values"));
        assert!(errors(&rows[1])[0].message.contains("2 values"));
        assert!(matches!(rows[2], Row::Valid(_)));
    }

    #[test]
    fn invalid_utf8_in_a_row_is_reported_not_fatal() {
        let data = b"external_id,name\n1,Caf\xe9 Ltd\n2,Fine\n";
        let mut reader = Reader::new(&data[..]).unwrap();
        let first = reader.next_row().unwrap().unwrap();
        assert!(errors(&first)[0].message.contains("UTF-8"));
        assert!(matches!(reader.next_row().unwrap(), Some(Row::Valid(_))));
    }

    #[test]
    fn file_level_problems() {
        assert!(matches!(Reader::new(&b""[..]), Err(FileError::Empty)));
        assert!(matches!(
            Reader::new(&b"Website,Phone\nacme.com,1\n"[..]),
            Err(FileError::Header(_))
        ));
        assert!(matches!(
            Reader::new(&b"Account ID,Account Name\xff\n"[..]),
            Err(FileError::NotText)
        ));
    }
}
