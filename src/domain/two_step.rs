//! Two-step sign-in with an authenticator app (RFC 6238 time-based codes) and single-use
//! recovery codes: which code is good when, how a secret is shown to be typed, how recovery
//! codes look and are kept. Who must use it is the program policy's
//! (`Policy::two_step_required`).

use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};

/// Seconds one code lasts, and its digits: what every authenticator app assumes when a
/// setup link names nothing else (SHA-1, 6 digits, 30 s). Apps that are given other values
/// often ignore them silently, so the defaults are the only safe choice.
pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: usize = 6;
/// Steps of clock drift allowed either side of now: a phone's clock a little off, or a code
/// typed as it changed. RFC 6238 recommends one.
pub const DRIFT_STEPS: i64 = 1;
/// The shared secret's length: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
/// Minutes the second step may follow the password: long enough to find the phone, short
/// enough that a half-done sign-in left open on a shared computer soon lapses.
pub const SECOND_STEP_MINUTES: i64 = 10;
/// Recovery codes given at once.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code: 16 from a 32-letter alphabet, 80 random bits, so that a
/// fast hash is enough to keep them (nobody can try 2^80 guesses against a stolen hash).
pub const RECOVERY_CODE_CHARS: usize = 16;
/// Crockford's base32 in lower case: no i, l, o or u, which are read back as 1, 1, 0 and
/// not at all, so a code copied by hand from paper still works.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// The time step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

fn totp(secret: &[u8]) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        DRIFT_STEPS as u8,
        STEP_SECONDS as u64,
        secret.to_vec(),
    )
}

/// The code an authenticator app shows during `step`.
pub fn code_at(secret: &[u8], step: i64) -> String {
    let time = u64::try_from(step.max(0) * STEP_SECONDS).unwrap_or(0);
    totp(secret).generate(time)
}

/// A code as typed, without the spaces and dashes some apps show inside it (`123 456`);
/// `None` unless six digits remain.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (code.len() == DIGITS && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

/// What a typed code is worth at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Good for this step: accept it, and from now on only later steps.
    Accepted(i64),
    /// The code of a step already used (or older): a replay, refused.
    Replayed,
    /// Not the code of any step inside the drift window.
    Wrong,
    /// Not six digits.
    Malformed,
}

/// Checks a typed code against the steps around `now_step` (± [`DRIFT_STEPS`]). A code is
/// good once: steps up to `last_used` (the newest step accepted before) are refused, which
/// also refuses an older code after a newer one was used.
pub fn check_code(secret: &[u8], input: &str, now_step: i64, last_used: Option<i64>) -> CodeCheck {
    let Some(code) = normalize_code(input) else {
        return CodeCheck::Malformed;
    };
    let mut found = CodeCheck::Wrong;
    for step in now_step - DRIFT_STEPS..=now_step + DRIFT_STEPS {
        // Every step is computed and compared in full, whatever matched before, so the time
        // taken says nothing about which step (if any) matched.
        if constant_time_eq(code_at(secret, step).as_bytes(), code.as_bytes()) {
            found = match (found, last_used) {
                (CodeCheck::Accepted(s), _) => CodeCheck::Accepted(s),
                (_, Some(used)) if step <= used => CodeCheck::Replayed,
                _ => CodeCheck::Accepted(step),
            };
        }
    }
    found
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The secret as an app's "enter a setup key" field takes it: base32, no padding.
pub fn secret_base32(secret: &[u8]) -> String {
    totp(secret).get_secret_base32()
}

/// Text in groups of four, for reading aloud or typing: `JBSW Y3DP EHPK 3PXP`.
pub fn in_fours(text: &str) -> String {
    text.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The setup link a QR code carries (the de facto `otpauth://` format of Google
/// Authenticator, which every app reads): `issuer:account` as the label, and the issuer
/// again as a parameter, so apps group the entry under the portal's name.
pub fn setup_url(issuer: &str, account: &str, secret: &[u8]) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(account),
        secret_base32(secret),
    )
}

/// RFC 3986 percent-encoding of everything but the unreserved characters (a space is
/// `%20`: some apps show a `+` as it is).
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A recovery code from [`RECOVERY_CODE_CHARS`] random bytes (each gives one character:
/// 256 is a multiple of 32, so every character is equally likely), shown in groups of four
/// joined by dashes: `7k2m-q9wx-3hfp-t4rn`.
pub fn recovery_code(random: &[u8; RECOVERY_CODE_CHARS]) -> String {
    let chars: Vec<u8> = random
        .iter()
        .map(|b| RECOVERY_ALPHABET[usize::from(b & 31)])
        .collect();
    chars
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as typed, in the form it is kept: lower case, without spaces or dashes,
/// the look-alikes a person may copy by hand read as Crockford's base32 reads them (i and l
/// as 1, o as 0). `None` when it cannot be a recovery code.
pub fn normalize_recovery_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'i' | 'l' => '1',
            'o' => '0',
            other => other,
        })
        .collect();
    (code.len() == RECOVERY_CODE_CHARS && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(code)
}

/// What is kept of a recovery code: a SHA-256 of the normalised code salted with its owner,
/// so one guess tests one account's codes, never everyone's at once.
pub fn recovery_code_hash(user_id: &str, normalized: &str) -> String {
    let digest = Sha256::digest(format!("truce-recovery:{user_id}:{normalized}").as_bytes());
    format!("{digest:x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_are_rfc_6238_codes() {
        // The RFC's 8-digit values end in these six digits.
        assert_eq!(code_at(RFC_SECRET, step_at(59)), "287082");
        assert_eq!(code_at(RFC_SECRET, step_at(1_111_111_109)), "081804");
        assert_eq!(code_at(RFC_SECRET, step_at(1_234_567_890)), "005924");
        assert_eq!(code_at(RFC_SECRET, step_at(2_000_000_000)), "279037");
        assert_eq!(step_at(29), 0);
        assert_eq!(step_at(30), 1);
    }

    #[test]
    fn one_step_of_drift_either_way_is_accepted_two_are_not() {
        let now = step_at(1_700_000_000);
        for drift in -1..=1 {
            let code = code_at(RFC_SECRET, now + drift);
            assert_eq!(
                check_code(RFC_SECRET, &code, now, None),
                CodeCheck::Accepted(now + drift),
                "drift {drift}"
            );
        }
        for drift in [-2, 2] {
            let code = code_at(RFC_SECRET, now + drift);
            assert_eq!(
                check_code(RFC_SECRET, &code, now, None),
                CodeCheck::Wrong,
                "drift {drift}"
            );
        }
    }

    #[test]
    fn a_code_is_good_once_and_older_codes_die_with_it() {
        let now = step_at(1_700_000_000);
        let code = code_at(RFC_SECRET, now);
        assert_eq!(
            check_code(RFC_SECRET, &code, now, Some(now)),
            CodeCheck::Replayed
        );
        // The previous step's code, after the current one was used.
        let previous = code_at(RFC_SECRET, now - 1);
        assert_eq!(
            check_code(RFC_SECRET, &previous, now, Some(now)),
            CodeCheck::Replayed
        );
        // The next step's code is still good after the current one was used.
        let next = code_at(RFC_SECRET, now + 1);
        assert_eq!(
            check_code(RFC_SECRET, &next, now, Some(now)),
            CodeCheck::Accepted(now + 1)
        );
    }

    #[test]
    fn typed_codes_may_carry_spaces_but_must_be_six_digits() {
        let now = step_at(1_700_000_000);
        let code = code_at(RFC_SECRET, now);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(
            check_code(RFC_SECRET, &spaced, now, None),
            CodeCheck::Accepted(now)
        );
        assert_eq!(normalize_code(" 123-456 "), Some("123456".into()));
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦"] {
            assert_eq!(
                check_code(RFC_SECRET, bad, now, None),
                CodeCheck::Malformed,
                "{bad}"
            );
        }
    }

    #[test]
    fn the_secret_is_shown_in_base32_fours_and_in_a_setup_link() {
        assert_eq!(secret_base32(b"Hello!\xde\xad\xbe\xef"), "JBSWY3DPEHPK3PXP");
        assert_eq!(in_fours("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(in_fours("ABCDEF"), "ABCD EF");
        assert_eq!(
            setup_url(
                "Truce",
                "ann smith@alpha.example",
                b"Hello!\xde\xad\xbe\xef"
            ),
            "otpauth://totp/Truce:ann%20smith%40alpha.example?secret=JBSWY3DPEHPK3PXP\
             &issuer=Truce&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_are_four_groups_of_four_and_read_back_forgivingly() {
        let code = recovery_code(&[0, 1, 2, 3, 31, 30, 29, 28, 32, 33, 255, 254, 10, 11, 12, 13]);
        assert_eq!(code, "0123-zyxw-01zy-abcd");
        assert_eq!(code.len(), RECOVERY_CODE_CHARS + 3);
        let normalized = normalize_recovery_code(&code).unwrap();
        assert_eq!(normalized, "0123zyxw01zyabcd");
        assert_eq!(
            normalize_recovery_code(" 0I23 ZYXW-OLZY abcd "),
            Some(normalized.clone()),
            "case, spaces and look-alikes are forgiven"
        );
        assert_eq!(normalize_recovery_code("0123-zyxw-01zy-abc"), None);
        assert_eq!(normalize_recovery_code("0123-zyxw-01zy-abcu"), None, "no u");
        assert_eq!(normalize_recovery_code("123456"), None);
    }

    #[test]
    fn recovery_codes_are_kept_as_hashes_salted_with_their_owner() {
        let a = recovery_code_hash("user-1", "0123zyxw01zyabcd");
        assert_eq!(a.len(), 64);
        assert!(!a.contains("0123zyxw"));
        assert_eq!(a, recovery_code_hash("user-1", "0123zyxw01zyabcd"));
        assert_ne!(a, recovery_code_hash("user-2", "0123zyxw01zyabcd"));
        assert_ne!(a, recovery_code_hash("user-1", "0123zyxw01zyabce"));
    }
}
