//! Line numbers of records as the user's editor shows them, counting the line breaks inside
//! quoted values and the blank lines the reader skips.

use std::io::Read;

/// Where the line breaks of the input are, for the line numbers of records. The `csv`
/// crate's own `Position::line` is wrong after blank lines (rust-csv issue #208), while its
/// byte offsets are right: a record's line is one more than the line feeds before its first
/// byte, not counting the blank lines skipped just before it.
#[derive(Default)]
pub(super) struct Lines {
    /// Offsets of `\r` and `\n` bytes read but not yet behind a record (`true` for `\n`).
    ends: std::collections::VecDeque<(u64, bool)>,
    /// Line feeds before the first offset in `ends`.
    feeds: u64,
    /// Bytes read so far.
    read: u64,
}

impl Lines {
    pub(super) fn line_at(&mut self, mut byte: u64) -> u64 {
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
pub(super) struct Counted<R> {
    pub(super) inner: R,
    pub(super) lines: std::rc::Rc<std::cell::RefCell<Lines>>,
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

#[cfg(test)]
mod tests {
    use crate::domain::crm_import::fixtures::{errors, read_rows, valid};

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
}
