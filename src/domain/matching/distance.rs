//! Edit distance between two words without touching the heap: the comparison runs on every
//! candidate of every lock check.

/// Words longer than this are compared exactly only: typo tolerance is for words people type.
const MAX_CHARS: usize = 40;

fn to_chars(word: &str, buf: &mut [char; MAX_CHARS]) -> Option<usize> {
    let mut n = 0;
    for c in word.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some(n)
}

/// Optimal-string-alignment distance (insertions, deletions, substitutions and swaps of two
/// neighbouring letters each cost 1), or `None` when it is above `max`.
pub(super) fn osa_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let (mut ab, mut bb) = (['\0'; MAX_CHARS], ['\0'; MAX_CHARS]);
    let n = to_chars(a, &mut ab)?;
    let m = to_chars(b, &mut bb)?;
    let (a, b) = (&ab[..n], &bb[..m]);
    if n.abs_diff(m) > max {
        return None;
    }
    // Three rows of the dynamic programme: i-2, i-1, i.
    let mut prev2 = [0usize; MAX_CHARS + 1];
    let mut prev = [0usize; MAX_CHARS + 1];
    let mut cur = [0usize; MAX_CHARS + 1];
    for (j, cell) in prev.iter_mut().enumerate().take(m + 1) {
        *cell = j;
    }
    for i in 1..=n {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        prev2 = prev;
        prev = cur;
    }
    let d = prev[m];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(osa_within("siemens", "siemens", 1), Some(0));
        assert_eq!(osa_within("siemens", "siemans", 1), Some(1));
        assert_eq!(osa_within("siemens", "seimens", 1), Some(1));
        assert_eq!(osa_within("siemens", "simens", 1), Some(1));
        assert_eq!(osa_within("siemens", "siemenss", 1), Some(1));
        assert_eq!(osa_within("microsoft", "mircosfot", 2), Some(2));
        assert_eq!(osa_within("motors", "mills", 2), None);
        assert_eq!(osa_within("müller", "muller", 1), Some(1));
        assert_eq!(osa_within("", "ab", 2), Some(2));
        assert_eq!(osa_within(&"a".repeat(50), &"a".repeat(50), 2), None);
    }
}
