//! Numbers written into text by the digit, for what a list page writes by the dozen (its
//! dates and amounts): through `format!` each cost thousands of instructions, a tenth of "My
//! deals" together (docs/performance.md). `itoa` writes the digits.

/// `n` in decimal, zero-padded to at least `width` digits: `push_padded(s, 7, 2)` writes "07".
pub fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(n);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(digits);
}

/// `n` in decimal with a comma between groups of three digits: "1,234,567".
pub fn push_grouped(out: &mut String, n: u64) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(n);
    for (i, d) in digits.char_indices() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl Fn(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn numbers_are_padded_and_grouped() {
        assert_eq!(written(|s| push_padded(s, 7, 2)), "07");
        assert_eq!(written(|s| push_padded(s, 0, 1)), "0");
        assert_eq!(written(|s| push_padded(s, 2026, 2)), "2026");
        assert_eq!(written(|s| push_padded(s, 5, 0)), "5");
        assert_eq!(written(|s| push_grouped(s, 0)), "0");
        assert_eq!(written(|s| push_grouped(s, 999)), "999");
        assert_eq!(written(|s| push_grouped(s, 1_000)), "1,000");
        assert_eq!(
            written(|s| push_grouped(s, u64::MAX)),
            "18,446,744,073,709,551,615"
        );
    }
}
