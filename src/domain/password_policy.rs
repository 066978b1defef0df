//! What makes a new password acceptable: length and a blocklist, no composition rules
//! (NIST SP 800-63B / OWASP ASVS 2.1).

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

const COMMON: &str = include_str!("common_passwords.txt");

/// Checks a new password; the error is the message shown next to the password field.
pub fn check_new_password(password: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "Use at least {MIN_LEN} characters ({chars} so far). A few words in a row is easy to remember."
        ));
    }
    if chars > MAX_LEN {
        return Err(format!("Use at most {MAX_LEN} characters."));
    }
    let lowered = password.to_lowercase();
    if is_common(&lowered) || is_one_repeated_char(&lowered) {
        return Err(
            "This password is on the list of the most common passwords. Choose another.".into(),
        );
    }
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or("");
    if !email.is_empty() && (lowered == email || (local.len() >= 4 && lowered.contains(local))) {
        return Err("Do not use your email address in your password.".into());
    }
    Ok(())
}

fn is_common(lowered: &str) -> bool {
    COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l.eq_ignore_ascii_case(lowered))
}

fn is_one_repeated_char(value: &str) -> bool {
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters() {
        assert!(check_new_password("short pass", "a@b.c").is_err());
        assert!(check_new_password("ünïcödé pässwörd", "a@b.c").is_ok());
        assert!(
            check_new_password(&"x y".repeat(43), "a@b.c").is_err(),
            "129 chars"
        );
        assert!(
            check_new_password(
                &"xy ".repeat(42).chars().take(128).collect::<String>(),
                "a@b.c"
            )
            .is_ok()
        );
    }

    #[test]
    fn common_and_trivial_passwords_are_refused_in_any_case() {
        assert!(check_new_password("password1234", "a@b.c").is_err());
        assert!(check_new_password("PASSWORD1234", "a@b.c").is_err());
        assert!(check_new_password("zzzzzzzzzzzzzz", "a@b.c").is_err());
    }

    #[test]
    fn no_composition_rules() {
        assert!(check_new_password("purple monkey dishwasher", "a@b.c").is_ok());
    }

    #[test]
    fn the_users_own_email_is_refused() {
        assert!(check_new_password("jane.doe@example.com", "Jane.Doe@example.com").is_err());
        assert!(check_new_password("my name is jane.doe ok", "jane.doe@example.com").is_err());
    }
}
