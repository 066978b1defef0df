//! The file as a sequence of CSV records: the delimiter it uses, what makes it unreadable as a
//! whole, and how many rows it has. Records are read as bytes, so a data line that is not
//! UTF-8 is refused on its own (by the reader); only a header line that is not makes the whole
//! file unreadable.

use std::fmt;
use std::io::{BufRead, BufReader, Read};

use super::MissingColumns;
use super::lines::{Counted, Lines};

/// Why the file as a whole cannot be imported.
#[derive(Debug)]
pub enum FileError {
    Empty,
    Header(MissingColumns),
    NotText,
    Read(std::io::Error),
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Empty => f.write_str(
                "The file is empty. Its first line must name the columns, for example \
                 \"Account ID,Account Name,Website\".",
            ),
            FileError::Header(missing) => missing.fmt(f),
            FileError::NotText => f.write_str(
                "The first line of the file is not UTF-8 text. Save the file as \"CSV UTF-8\" \
                 and try again.",
            ),
            FileError::Read(e) => write!(f, "The file could not be read: {e}."),
        }
    }
}

impl std::error::Error for FileError {}

impl From<std::io::Error> for FileError {
    fn from(e: std::io::Error) -> Self {
        FileError::Read(e)
    }
}

impl From<csv::Error> for FileError {
    fn from(e: csv::Error) -> Self {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => FileError::Read(io),
            other => FileError::Read(std::io::Error::other(format!("{other:?}"))),
        }
    }
}

/// The delimiter of a CSV file, from its first line: a comma unless semicolons or tabs are
/// more frequent outside quotes (spreadsheets in many European locales write semicolons).
pub fn sniff_delimiter(start: &[u8]) -> u8 {
    let line = start.split(|b| *b == b'\n').next().unwrap_or(start);
    let (mut comma, mut semi, mut tab, mut quoted) = (0, 0, 0, false);
    for b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semi += 1,
            b'\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    }
}

pub(super) type CsvReader<R> = csv::Reader<BufReader<Counted<R>>>;

pub(super) fn csv_reader<R: Read>(
    input: R,
) -> Result<(CsvReader<R>, std::rc::Rc<std::cell::RefCell<Lines>>), FileError> {
    let lines = std::rc::Rc::new(std::cell::RefCell::new(Lines::default()));
    let counted = Counted {
        inner: input,
        lines: lines.clone(),
    };
    let mut buffered = BufReader::with_capacity(64 * 1024, counted);
    let delimiter = sniff_delimiter(buffered.fill_buf()?);
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(buffered);
    Ok((reader, lines))
}

/// The number of data rows in a file (records after the header, blank ones left out): the
/// total a progress report counts towards.
pub fn count_rows<R: Read>(input: R) -> Result<u64, FileError> {
    let (mut reader, _) = csv_reader(input)?;
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    while reader.read_byte_record(&mut record)? {
        if !is_blank(&record) {
            n += 1;
        }
    }
    Ok(n)
}

pub(super) fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::crm_import::fixtures::{read_rows, valid};

    #[test]
    fn semicolons_and_tabs_are_recognised_as_delimiters() {
        let (_, rows) =
            read_rows("Account ID;Account Name;Billing Country\n7;\"Smith; Jones\";France\n");
        let a = valid(&rows[0]);
        assert_eq!(
            (a.name.as_str(), a.country.as_deref()),
            ("Smith; Jones", Some("FR"))
        );
        let (_, rows) = read_rows("external_id\tname\n8\tAcme, Inc.\n");
        assert_eq!(valid(&rows[0]).name, "Acme, Inc.");
        assert_eq!(sniff_delimiter(b"a,b;c,d\n"), b',');
    }

    #[test]
    fn rows_are_counted_without_blank_lines() {
        let data = "external_id,name\n1,a\n\n2,\"b\nc\"\n,\n";
        assert_eq!(count_rows(data.as_bytes()).unwrap(), 2);
    }
}
