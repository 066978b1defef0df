//! Money as integers in minor units (cents, pence, yen) with an ISO 4217 currency. No floating
//! point: amounts are parsed from text and converted with integer arithmetic.

use super::digits::{push_grouped, push_padded};

/// A currency the program accepts deal sizes in, with its number of decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    pub name: &'static str,
    pub decimals: u32,
}

pub const CURRENCIES: &[Currency] = &[
    Currency {
        code: "USD",
        name: "US dollar",
        decimals: 2,
    },
    Currency {
        code: "EUR",
        name: "Euro",
        decimals: 2,
    },
    Currency {
        code: "GBP",
        name: "Pound sterling",
        decimals: 2,
    },
    Currency {
        code: "CAD",
        name: "Canadian dollar",
        decimals: 2,
    },
    Currency {
        code: "AUD",
        name: "Australian dollar",
        decimals: 2,
    },
    Currency {
        code: "CHF",
        name: "Swiss franc",
        decimals: 2,
    },
    Currency {
        code: "SEK",
        name: "Swedish krona",
        decimals: 2,
    },
    Currency {
        code: "NOK",
        name: "Norwegian krone",
        decimals: 2,
    },
    Currency {
        code: "DKK",
        name: "Danish krone",
        decimals: 2,
    },
    Currency {
        code: "PLN",
        name: "Polish złoty",
        decimals: 2,
    },
    Currency {
        code: "JPY",
        name: "Japanese yen",
        decimals: 0,
    },
    Currency {
        code: "INR",
        name: "Indian rupee",
        decimals: 2,
    },
    Currency {
        code: "BRL",
        name: "Brazilian real",
        decimals: 2,
    },
    Currency {
        code: "SGD",
        name: "Singapore dollar",
        decimals: 2,
    },
];

pub fn currency(code: &str) -> Option<Currency> {
    CURRENCIES.iter().copied().find(|c| c.code == code)
}

/// Parses "25,000", "25000.5" or "1 250 000" into minor units. Thousands separators (comma,
/// space, apostrophe, underscore) are ignored; a dot is the decimal point.
pub fn parse_amount(text: &str, currency: Currency) -> Result<i64, &'static str> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\'' | '_' | '\u{a0}'))
        .collect();
    if cleaned.is_empty() {
        return Err("Enter an amount.");
    }
    if cleaned.starts_with('-') {
        return Err("Enter an amount above zero.");
    }
    let (whole, fraction) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty() && fraction.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err("Enter a number, for example 25000 or 25,000.00.");
    }
    if fraction.len() > currency.decimals as usize {
        return Err(if currency.decimals == 0 {
            "This currency has no decimal places."
        } else {
            "Use at most two decimal places."
        });
    }
    let scale = 10_i64.pow(currency.decimals);
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| "That amount is too large.")?
    };
    let mut frac: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| "That amount is too large.")?
    };
    for _ in fraction.len()..currency.decimals as usize {
        frac *= 10;
    }
    let minor = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac))
        .filter(|m| *m <= 100_000_000_000_000)
        .ok_or("That amount is too large.")?;
    if minor == 0 {
        return Err("Enter an amount above zero.");
    }
    Ok(minor)
}

/// "25,000.00 USD": grouped for reading, with the currency code so nobody guesses.
pub fn format_amount(minor: i64, code: &str) -> String {
    // Written digit by digit: a list page formats dozens of amounts, and two `format!`s with
    // a grouped copy cost ten times as much.
    let decimals = currency(code).map_or(2, |c| c.decimals);
    let scale = 10_u64.pow(decimals);
    let abs = minor.unsigned_abs();
    let mut out = String::with_capacity(32);
    if minor < 0 {
        out.push('-');
    }
    push_grouped(&mut out, abs / scale);
    if decimals > 0 {
        out.push('.');
        push_padded(&mut out, abs % scale, decimals as usize);
    }
    out.push(' ');
    out.push_str(code);
    out
}

/// Minor units as they would be typed back into a form ("25000.00").
pub fn amount_input(minor: i64, code: &str) -> String {
    let decimals = currency(code).map_or(2, |c| c.decimals);
    if decimals == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(decimals);
    format!(
        "{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = decimals as usize
    )
}

/// A count as reports show it: "12,345".
pub fn group_count(n: u64) -> String {
    group_thousands(i64::try_from(n).unwrap_or(i64::MAX))
}

pub fn group_thousands(n: i64) -> String {
    let mut out = String::with_capacity(27);
    if n < 0 {
        out.push('-');
    }
    push_grouped(&mut out, n.unsigned_abs());
    out
}

/// A count with its noun: "1 user", "2,003 users".
pub fn count_of(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", group_thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_singular_only_for_one() {
        assert_eq!(count_of(1, "user", "users"), "1 user");
        assert_eq!(count_of(0, "user", "users"), "0 users");
        assert_eq!(count_of(2_003, "user", "users"), "2,003 users");
    }

    fn usd() -> Currency {
        currency("USD").unwrap()
    }

    #[test]
    fn amounts_parse_into_minor_units() {
        assert_eq!(parse_amount("25,000", usd()), Ok(2_500_000));
        assert_eq!(parse_amount(" 25000.5 ", usd()), Ok(2_500_050));
        assert_eq!(parse_amount("1 250 000.99", usd()), Ok(125_000_099));
        assert_eq!(parse_amount(".5", usd()), Ok(50));
        assert_eq!(parse_amount("1200", currency("JPY").unwrap()), Ok(1200));
    }

    #[test]
    fn bad_amounts_say_what_is_wrong() {
        assert!(parse_amount("", usd()).is_err());
        assert!(parse_amount("-5", usd()).is_err());
        assert!(parse_amount("0", usd()).is_err());
        assert!(parse_amount("12e4", usd()).is_err());
        assert!(parse_amount("1.234", usd()).is_err());
        assert!(parse_amount("1.5", currency("JPY").unwrap()).is_err());
        assert!(parse_amount("99999999999999999999", usd()).is_err());
    }

    #[test]
    fn amounts_format_with_groups_and_code() {
        assert_eq!(format_amount(2_500_050, "USD"), "25,000.50 USD");
        assert_eq!(format_amount(1_000, "JPY"), "1,000 JPY");
        assert_eq!(format_amount(5, "EUR"), "0.05 EUR");
        assert_eq!(format_amount(100_000_000, "USD"), "1,000,000.00 USD");
        assert_eq!(format_amount(-12_300, "USD"), "-123.00 USD");
        assert_eq!(format_amount(-5, "USD"), "-0.05 USD");
        assert_eq!(format_amount(0, "JPY"), "0 JPY");
        assert_eq!(
            format_amount(i64::MIN, "USD"),
            "-92,233,720,368,547,758.08 USD"
        );
        assert_eq!(amount_input(2_500_050, "USD"), "25000.50");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(group_count(0), "0");
        assert_eq!(group_count(999), "999");
        assert_eq!(group_count(1_000), "1,000");
        assert_eq!(group_count(100_000), "100,000");
        assert_eq!(group_count(1_234_567), "1,234,567");
        assert_eq!(group_count(u64::MAX), group_thousands(i64::MAX));
        assert_eq!(group_thousands(-123), "-123");
        assert_eq!(group_thousands(-1_234), "-1,234");
    }
}
