//! CRM account import: which column of an export holds what, and whether each row is an
//! account the portal can store. Pure: it reads CSV from any `Read` (a file, an upload, a
//! byte slice in a test) and decides; what is stored is the workflow's business
//! (`workflow::crm_import`).
//!
//! Rows are reported by their physical line in the file (the header is line 1), so a quoted
//! value that spans lines still points the user at the line their editor shows.

use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::prospect::{domain_key, name_key};
use super::registration::countries;
use super::user::is_plausible_email;

pub const MAX_EXTERNAL_ID: usize = 100;
pub const MAX_NAME: usize = 200;
pub const MAX_WEBSITE: usize = 255;
pub const MAX_INDUSTRY: usize = 100;
pub const MAX_EMAIL: usize = 254;

/// One thing an account row can say. Serialised by its canonical name (in stored reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ExternalId,
    Name,
    Website,
    Country,
    Industry,
    OwnerEmail,
    NamedAccount,
    ReservedForDirect,
}

impl Field {
    pub const ALL: [Field; 8] = [
        Field::ExternalId,
        Field::Name,
        Field::Website,
        Field::Country,
        Field::Industry,
        Field::OwnerEmail,
        Field::NamedAccount,
        Field::ReservedForDirect,
    ];

    pub fn canonical(self) -> &'static str {
        match self {
            Field::ExternalId => "external_id",
            Field::Name => "name",
            Field::Website => "website",
            Field::Country => "country",
            Field::Industry => "industry",
            Field::OwnerEmail => "owner_email",
            Field::NamedAccount => "named_account",
            Field::ReservedForDirect => "reserved_for_direct",
        }
    }

    /// How the field is named to a person ("the file has no column for the account name").
    pub fn label(self) -> &'static str {
        match self {
            Field::ExternalId => "external id",
            Field::Name => "account name",
            Field::Website => "website",
            Field::Country => "country",
            Field::Industry => "industry",
            Field::OwnerEmail => "owner's email",
            Field::NamedAccount => "named account",
            Field::ReservedForDirect => "reserved for direct",
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Field::ExternalId | Field::Name)
    }

    /// The headers this field is read from, most specific first: when a file has two of
    /// them, the earlier one wins and the other is left out. Matching ignores case, spaces,
    /// punctuation and Salesforce's `__c` suffix, so "Billing Country", "BillingCountry" and
    /// "billing_country" are one header.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Field::ExternalId => &[
                "external_id",
                "Account ID",
                "Record ID",
                "Company ID",
                "CRM ID",
                "Salesforce ID",
                "Id",
            ],
            Field::Name => &[
                "name",
                "Account Name",
                "Company name",
                "Company",
                "Account",
                "Organization",
                "Organisation",
            ],
            Field::Website => &[
                "website",
                "Company Domain Name",
                "Website URL",
                "Web site",
                "Domain",
                "URL",
            ],
            Field::Country => &[
                "country",
                "Billing Country",
                "Country/Region",
                "Billing Country Code",
                "Country Code",
                "Shipping Country",
            ],
            Field::Industry => &["industry", "Sector"],
            Field::OwnerEmail => &[
                "owner_email",
                "Account Owner Email",
                "Account Owner: Email",
                "Company owner email",
                "Rep Email",
                "Account Owner",
                "Company owner",
                "Owner",
            ],
            Field::NamedAccount => &["named_account", "Named", "Is Named Account"],
            Field::ReservedForDirect => &[
                "reserved_for_direct",
                "Reserved for Direct Sales",
                "Direct Reserved",
                "Reserved",
            ],
        }
    }
}

/// A header reduced to what matters: lower-case letters and digits, without Salesforce's
/// custom-field suffix.
pub fn header_key(header: &str) -> String {
    let h = header.trim().trim_start_matches('\u{feff}').trim();
    let h = h.strip_suffix("__c").unwrap_or(h);
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column holds which field, as read from the header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    index: [Option<usize>; 8],
    /// The header line as it is in the file.
    pub headers: Vec<String>,
}

/// Why a header line cannot be imported: required fields without a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingColumns {
    pub missing: Vec<Field>,
    pub found: Vec<String>,
}

impl fmt::Display for MissingColumns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what: Vec<&str> = self.missing.iter().map(|m| m.label()).collect();
        let found: Vec<String> = self
            .found
            .iter()
            .filter(|h| !h.trim().is_empty())
            .map(|h| format!("\"{}\"", shorten(h.trim(), 40)))
            .collect();
        write!(
            f,
            "The file has no column for the {}. Found: {}. ",
            what.join(" or the "),
            if found.is_empty() {
                "no column names".to_owned()
            } else {
                found.join(", ")
            }
        )?;
        let examples: Vec<String> = self
            .missing
            .iter()
            .map(|m| format!("\"{}\" (or \"{}\")", m.headers()[1], m.canonical()))
            .collect();
        write!(
            f,
            "Name the column{} {} in the first line of the file.",
            if examples.len() > 1 { "s" } else { "" },
            examples.join(" and ")
        )
    }
}

impl Columns {
    /// Maps a header line. Unknown headers are left out (see [`Columns::ignored`]).
    pub fn from_headers<S: AsRef<str>>(headers: &[S]) -> Result<Columns, MissingColumns> {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h.as_ref())).collect();
        let mut index = [None; 8];
        for (slot, field) in Field::ALL.iter().enumerate() {
            index[slot] = field.headers().iter().find_map(|alias| {
                let wanted = header_key(alias);
                keys.iter().position(|k| *k == wanted)
            });
        }
        let headers: Vec<String> = headers
            .iter()
            .map(|h| h.as_ref().trim_start_matches('\u{feff}').trim().to_owned())
            .collect();
        let missing: Vec<Field> = Field::ALL
            .iter()
            .zip(index)
            .filter(|(f, i)| f.required() && i.is_none())
            .map(|(f, _)| *f)
            .collect();
        if !missing.is_empty() {
            return Err(MissingColumns {
                missing,
                found: headers,
            });
        }
        Ok(Columns { index, headers })
    }

    fn slot(field: Field) -> usize {
        Field::ALL
            .iter()
            .position(|f| *f == field)
            .expect("every field")
    }

    /// The position of the field's column.
    pub fn index(&self, field: Field) -> Option<usize> {
        self.index[Self::slot(field)]
    }

    /// True when the file has a column for the field: fields without one are left as they
    /// are on existing accounts.
    pub fn has(&self, field: Field) -> bool {
        self.index(field).is_some()
    }

    /// The file's own name for the field's column.
    pub fn header(&self, field: Field) -> &str {
        self.index(field)
            .and_then(|i| self.headers.get(i))
            .map_or(field.canonical(), String::as_str)
    }

    /// `(field, the file's header)` for every column that is read.
    pub fn used(&self) -> Vec<(Field, String)> {
        Field::ALL
            .iter()
            .filter(|f| self.has(**f))
            .map(|f| (*f, self.header(*f).to_owned()))
            .collect()
    }

    /// The headers that are not read (unknown, or a second column for a field).
    pub fn ignored(&self) -> Vec<String> {
        self.headers
            .iter()
            .enumerate()
            .filter(|(i, h)| !self.index.contains(&Some(*i)) && !h.is_empty())
            .map(|(_, h)| h.clone())
            .collect()
    }
}

/// A row that can be stored, with its values normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub line: u64,
    pub external_id: String,
    pub name: String,
    pub website: Option<String>,
    pub domain_key: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub industry: Option<String>,
    pub owner_email: Option<String>,
    pub named_account: bool,
    pub reserved_for_direct: bool,
}

/// Why a row, or one of its values, cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowError {
    pub line: u64,
    /// The file's header of the column at fault; empty when the whole line is.
    pub column: String,
    pub message: String,
}

/// What one data row turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Valid(AccountRow),
    Invalid(Vec<RowError>),
}

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

/// Where the line breaks of the input are, for the line numbers of records. The `csv`
/// crate's own `Position::line` is wrong after blank lines (rust-csv issue #208), while its
/// byte offsets are right: a record's line is one more than the line feeds before its first
/// byte, not counting the blank lines skipped just before it.
#[derive(Default)]
struct Lines {
    /// Offsets of `\r` and `\n` bytes read but not yet behind a record (`true` for `\n`).
    ends: std::collections::VecDeque<(u64, bool)>,
    /// Line feeds before the first offset in `ends`.
    feeds: u64,
    /// Bytes read so far.
    read: u64,
}

impl Lines {
    fn line_at(&mut self, mut byte: u64) -> u64 {
        while let Some(&(at, feed)) = self.ends.front() {
            if at > byte {
                break;
            }
            // A line end where the record starts belongs to a blank line skipped before it.
            if at == byte {
                byte += 1;
            }
            self.feeds += u64::from(feed);
            self.ends.pop_front();
        }
        self.feeds + 1
    }
}

/// The input, noting where its line ends are as it is read.
struct Counted<R> {
    inner: R,
    lines: std::rc::Rc<std::cell::RefCell<Lines>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut lines = self.lines.borrow_mut();
        let base = lines.read;
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                lines.ends.push_back((base + i as u64, *b == b'\n'));
            }
        }
        lines.read += n as u64;
        Ok(n)
    }
}

type CsvReader<R> = csv::Reader<BufReader<Counted<R>>>;

fn csv_reader<R: Read>(
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

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

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

fn tidy(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

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

/// Checks one row (`values` in the file's column order) and normalises what it holds.
pub fn validate_row(columns: &Columns, values: &[&str], line: u64) -> Row {
    let mut errors = Vec::new();
    let get = |field: Field| columns.index(field).map_or("", |i| values[i]);
    let mut fail = |field: Field, message: String| {
        errors.push(RowError {
            line,
            column: columns.header(field).to_owned(),
            message,
        });
    };

    let external_id = get(Field::ExternalId).trim().to_owned();
    if external_id.is_empty() {
        fail(
            Field::ExternalId,
            "The external id is empty: every row needs the CRM's id of the account, so that a \
             later import updates it."
                .into(),
        );
    } else if external_id.chars().count() > MAX_EXTERNAL_ID {
        fail(
            Field::ExternalId,
            format!("The external id is longer than {MAX_EXTERNAL_ID} characters."),
        );
    }

    let name = tidy(get(Field::Name));
    if name.is_empty() {
        fail(Field::Name, "The account name is empty.".into());
    } else if name.chars().count() > MAX_NAME {
        fail(
            Field::Name,
            format!("The account name is longer than {MAX_NAME} characters."),
        );
    } else if name_key(&name).is_empty() {
        fail(
            Field::Name,
            format!("\"{}\" has no letters or digits.", shorten(&name, 60)),
        );
    }

    let website = get(Field::Website).trim().to_owned();
    let mut domain = None;
    if !website.is_empty() {
        domain = domain_key(&website);
        if website.chars().count() > MAX_WEBSITE {
            fail(
                Field::Website,
                format!("The website is longer than {MAX_WEBSITE} characters."),
            );
        } else if domain.is_none() || website.contains('@') {
            fail(
                Field::Website,
                format!(
                    "\"{}\" is not a website: use a domain such as acme.com or a URL such as \
                     https://www.acme.com, or leave it empty.",
                    shorten(&website, 60)
                ),
            );
        }
    }

    let country_text = get(Field::Country).trim();
    let country = if country_text.is_empty() {
        None
    } else {
        match country_code(country_text) {
            Some(code) => Some(code.to_owned()),
            None => {
                fail(
                    Field::Country,
                    format!(
                        "\"{}\" is not a country the portal knows: use an ISO 3166 code such as \
                         DE or an English name such as Germany, or leave it empty.",
                        shorten(country_text, 60)
                    ),
                );
                None
            }
        }
    };

    let industry = tidy(get(Field::Industry));
    if industry.chars().count() > MAX_INDUSTRY {
        fail(
            Field::Industry,
            format!("The industry is longer than {MAX_INDUSTRY} characters."),
        );
    }

    let owner = get(Field::OwnerEmail).trim().to_lowercase();
    if !owner.is_empty() && (owner.len() > MAX_EMAIL || !is_plausible_email(&owner)) {
        fail(
            Field::OwnerEmail,
            format!(
                "\"{}\" is not an email address: the owner column needs the rep's email, \
                 like jo@vendor.com (in Salesforce, export \"Account Owner: Email\").",
                shorten(get(Field::OwnerEmail).trim(), 60)
            ),
        );
    }

    let mut flag = |field: Field| match parse_flag(get(field)) {
        Some(v) => v,
        None => {
            fail(
                field,
                format!(
                    "\"{}\" is not a yes/no value: use yes, no, true, false, 1, 0 or x, or \
                     leave it empty for no.",
                    shorten(get(field).trim(), 30)
                ),
            );
            false
        }
    };
    let named_account = flag(Field::NamedAccount);
    let reserved_for_direct = flag(Field::ReservedForDirect);

    if !errors.is_empty() {
        return Row::Invalid(errors);
    }
    let some = |s: String| (!s.is_empty()).then_some(s);
    Row::Valid(AccountRow {
        line,
        external_id,
        name,
        domain_key: domain,
        website: some(website),
        country,
        industry: some(industry),
        owner_email: some(owner),
        named_account,
        reserved_for_direct,
    })
}

/// A yes/no cell: true/false, yes/no, y/n, 1/0, x or empty (no), in any case.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "x" => Some(true),
        "false" | "no" | "n" | "0" | "" => Some(false),
        _ => None,
    }
}

/// A country name reduced for comparison: letters and digits, lower case, accents and a
/// leading "the" dropped.
fn country_key(text: &str) -> String {
    let key: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    match key.strip_prefix("the") {
        Some(rest) if rest.len() > 3 => rest.to_owned(),
        _ => key,
    }
}

/// Names CRMs commonly use besides the ISO short names.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("United States of America", "US"),
    ("America", "US"),
    ("UK", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("Russia", "RU"),
    ("Czech Republic", "CZ"),
    ("Turkey", "TR"),
    ("Korea", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea, Republic of", "KR"),
    ("Viet Nam", "VN"),
    ("Ivory Coast", "CI"),
    ("Holland", "NL"),
    ("UAE", "AE"),
    ("Macedonia", "MK"),
    ("Swaziland", "SZ"),
    ("Cape Verde", "CV"),
    ("Brunei", "BN"),
    ("Vatican", "VA"),
    ("Vatican City", "VA"),
    ("Palestine", "PS"),
    ("Deutschland", "DE"),
    ("Österreich", "AT"),
    ("Schweiz", "CH"),
    ("Suisse", "CH"),
    ("España", "ES"),
    ("Italia", "IT"),
    ("Nederland", "NL"),
    ("Sverige", "SE"),
    ("Norge", "NO"),
    ("Danmark", "DK"),
    ("Suomi", "FI"),
    ("Polska", "PL"),
    ("Brasil", "BR"),
    ("México", "MX"),
];

fn country_names() -> &'static HashMap<String, &'static str> {
    static NAMES: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut map = HashMap::new();
        for (code, name) in countries() {
            map.insert(country_key(name), code);
            // "Congo, The Democratic Republic of the" is also written the other way round.
            if let Some((head, tail)) = name.split_once(", ") {
                map.insert(country_key(&format!("{tail} {head}")), code);
            }
        }
        for (alias, code) in COUNTRY_ALIASES {
            map.insert(country_key(alias), *code);
        }
        map
    })
}

/// The ISO 3166-1 alpha-2 code of a country given by its code or its name.
pub fn country_code(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.len() == 2 {
        let upper = text.to_ascii_uppercase();
        if let Some((code, _)) = countries().find(|(c, _)| *c == upper) {
            return Some(code);
        }
    }
    country_names().get(&country_key(text)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_rows(csv: &str) -> (Columns, Vec<Row>) {
        let mut reader = Reader::new(csv.as_bytes()).unwrap();
        let mut out = Vec::new();
        while let Some(row) = reader.next_row().unwrap() {
            out.push(row);
        }
        (reader.columns().clone(), out)
    }

    fn valid(row: &Row) -> &AccountRow {
        match row {
            Row::Valid(r) => r,
            Row::Invalid(e) => panic!("row should be valid: {e:?}"),
        }
    }

    fn errors(row: &Row) -> &[RowError] {
        match row {
            Row::Valid(r) => panic!("row should be invalid: {r:?}"),
            Row::Invalid(e) => e,
        }
    }

    #[test]
    fn salesforce_and_hubspot_headers_are_recognised() {
        let sf = Columns::from_headers(&[
            "Account ID",
            "Account Name",
            "Website",
            "Billing Country",
            "Industry",
            "Account Owner",
            "Named_Account__c",
            "Phone",
        ])
        .unwrap();
        assert_eq!(sf.index(Field::ExternalId), Some(0));
        assert_eq!(sf.index(Field::Country), Some(3));
        assert_eq!(sf.index(Field::OwnerEmail), Some(5));
        assert_eq!(sf.index(Field::NamedAccount), Some(6));
        assert!(!sf.has(Field::ReservedForDirect));
        assert_eq!(sf.ignored(), vec!["Phone".to_owned()]);
        assert_eq!(sf.header(Field::Country), "Billing Country");

        let hs = Columns::from_headers(&[
            "Record ID",
            "Company name",
            "Company Domain Name",
            "Country/Region",
            "Company owner",
        ])
        .unwrap();
        assert_eq!(hs.index(Field::ExternalId), Some(0));
        assert_eq!(hs.index(Field::Name), Some(1));
        assert_eq!(hs.index(Field::Website), Some(2));
        assert_eq!(hs.index(Field::Country), Some(3));
        assert_eq!(hs.index(Field::OwnerEmail), Some(4));
    }

    #[test]
    fn headers_ignore_case_spaces_underscores_and_a_byte_order_mark() {
        let c = Columns::from_headers(&[
            "\u{feff}EXTERNAL ID",
            " account_name ",
            "BillingCountry",
            "owner-email",
            "Reserved For Direct",
            "named account",
        ])
        .unwrap();
        assert_eq!(c.index(Field::ExternalId), Some(0));
        assert_eq!(c.index(Field::Name), Some(1));
        assert_eq!(c.index(Field::Country), Some(2));
        assert_eq!(c.index(Field::OwnerEmail), Some(3));
        assert_eq!(c.index(Field::ReservedForDirect), Some(4));
        assert_eq!(c.index(Field::NamedAccount), Some(5));
        assert_eq!(c.header(Field::ExternalId), "EXTERNAL ID");
    }

    #[test]
    fn the_more_specific_header_wins_and_the_other_is_ignored() {
        let c = Columns::from_headers(&[
            "Id",
            "Account ID",
            "Name",
            "Account Owner",
            "Account Owner Email",
        ])
        .unwrap();
        assert_eq!(c.index(Field::ExternalId), Some(1));
        assert_eq!(c.index(Field::OwnerEmail), Some(4));
        assert_eq!(
            c.ignored(),
            vec!["Id".to_owned(), "Account Owner".to_owned()]
        );
    }

    #[test]
    fn missing_required_columns_are_named_with_what_was_found() {
        let err = Columns::from_headers(&["Website", "Billing Country"]).unwrap_err();
        assert_eq!(err.missing, vec![Field::ExternalId, Field::Name]);
        let text = err.to_string();
        assert!(
            text.starts_with(
                "The file has no column for the external id or the account name. Found: \"Website\", \"Billing Country\"."
            ),
            "{text}"
        );
        assert!(text.contains("\"Account Name\""), "{text}");
        let err = Columns::from_headers(&["Account ID", "Website"]).unwrap_err();
        assert!(err.to_string().starts_with(
            "The file has no column for the account name. Found: \"Account ID\", \"Website\"."
        ));
    }

    #[test]
    fn a_good_row_is_normalised() {
        let (_, rows) = read_rows(
            "Account ID,Account Name,Website,Billing Country,Industry,Account Owner Email,Named Account,Reserved for Direct\n\
             001A,\"  Acme   GmbH \",https://www.Acme.de/kontakt,Germany,Manufacturing,Jo@Vendor.example,Yes,\n\
             001B,Globex,,us,,,x,TRUE\n",
        );
        let a = valid(&rows[0]);
        assert_eq!(a.line, 2);
        assert_eq!(a.external_id, "001A");
        assert_eq!(a.name, "Acme GmbH");
        assert_eq!(a.website.as_deref(), Some("https://www.Acme.de/kontakt"));
        assert_eq!(a.domain_key.as_deref(), Some("acme.de"));
        assert_eq!(a.country.as_deref(), Some("DE"));
        assert_eq!(a.industry.as_deref(), Some("Manufacturing"));
        assert_eq!(a.owner_email.as_deref(), Some("jo@vendor.example"));
        assert!(a.named_account);
        assert!(!a.reserved_for_direct);
        let b = valid(&rows[1]);
        assert_eq!((b.website.clone(), b.domain_key.clone()), (None, None));
        assert_eq!(b.country.as_deref(), Some("US"));
        assert_eq!((b.industry.clone(), b.owner_email.clone()), (None, None));
        assert!(b.named_account && b.reserved_for_direct);
    }

    #[test]
    fn bad_values_are_reported_with_line_and_column() {
        let (_, rows) = read_rows(
            "Account ID,Account Name,Website,Billing Country,Account Owner,Named Account\n\
             1,Fine Ltd,fine.example,GB,a@b.example,no\n\
             ,Nameless id,,,,\n\
             3,,,,,\n\
             4,Bad Web,not a website,Germny,Jane Smith,maybe\n\
             5,!!!,,,,\n",
        );
        assert!(matches!(rows[0], Row::Valid(_)));
        let e = errors(&rows[1]);
        assert_eq!((e[0].line, e[0].column.as_str()), (3, "Account ID"));
        let e = errors(&rows[2]);
        assert_eq!((e[0].line, e[0].column.as_str()), (4, "Account Name"));
        let e = errors(&rows[3]);
        let columns: Vec<&str> = e.iter().map(|e| e.column.as_str()).collect();
        assert_eq!(
            columns,
            [
                "Website",
                "Billing Country",
                "Account Owner",
                "Named Account"
            ]
        );
        assert!(e.iter().all(|e| e.line == 5));
        assert!(e[1].message.contains("\"Germny\""), "{}", e[1].message);
        assert!(e[2].message.contains("not an email address"));
        assert!(errors(&rows[4])[0].message.contains("no letters or digits"));
    }

    #[test]
    fn lengths_are_capped() {
        let long = "x".repeat(MAX_NAME + 1);
        let id = "9".repeat(MAX_EXTERNAL_ID + 1);
        let (_, rows) = read_rows(&format!("external_id,name,industry\n{id},{long},{long}\n"));
        let e = errors(&rows[0]);
        assert_eq!(e.len(), 3);
        assert!(e[1].message.contains("longer than 200"));
    }

    #[test]
    fn line_numbers_count_physical_lines_across_quoted_newlines() {
        let (_, rows) = read_rows(
            "external_id,name,website\n\
             1,\"Multi\nLine\nName Inc\",ok.example\n\
             \n\
             2,Second,bad..site\n",
        );
        assert_eq!(valid(&rows[0]).line, 2);
        assert_eq!(valid(&rows[0]).name, "Multi Line Name Inc");
        assert_eq!(rows.len(), 2, "the blank line is skipped");
        assert_eq!(errors(&rows[1])[0].line, 6);

        let (_, rows) =
            read_rows("external_id,name\r\n1,a\r\n\r\n\r\n4,\"b\r\n\r\nc\"\r\n\r\n9,x\n\n\n12,y");
        let lines: Vec<u64> = rows.iter().map(|r| valid(r).line).collect();
        assert_eq!(lines, [2, 5, 9, 12]);
    }

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

    #[test]
    fn flags() {
        for yes in ["true", "YES", "y", "1", "x", " X "] {
            assert_eq!(parse_flag(yes), Some(true), "{yes}");
        }
        for no in ["false", "No", "n", "0", "", "  "] {
            assert_eq!(parse_flag(no), Some(false), "{no}");
        }
        assert_eq!(parse_flag("maybe"), None);
        assert_eq!(parse_flag("2"), None);
    }

    #[test]
    fn countries_by_code_name_or_common_alias() {
        assert_eq!(country_code("de"), Some("DE"));
        assert_eq!(country_code("Germany"), Some("DE"));
        assert_eq!(country_code("  united kingdom "), Some("GB"));
        assert_eq!(country_code("UK"), Some("GB"));
        assert_eq!(country_code("USA"), Some("US"));
        assert_eq!(country_code("United States of America"), Some("US"));
        assert_eq!(country_code("Côte d'Ivoire"), Some("CI"));
        assert_eq!(country_code("Cote d'Ivoire"), Some("CI"));
        assert_eq!(country_code("The Netherlands"), Some("NL"));
        assert_eq!(country_code("Democratic Republic of the Congo"), Some("CD"));
        assert_eq!(country_code("Türkiye"), Some("TR"));
        assert_eq!(country_code("Turkey"), Some("TR"));
        assert_eq!(country_code("Deutschland"), Some("DE"));
        assert_eq!(country_code("XX"), None);
        assert_eq!(country_code("Germny"), None);
        assert_eq!(country_code("Atlantis"), None);
    }
}
