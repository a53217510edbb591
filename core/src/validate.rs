//! Parse, don't validate: input from the edge becomes one of these newtypes or a
//! [`FieldError`]; the core never checks them again.

use std::str::FromStr;

use crate::error::{FieldError, UserErrorCode};

type Parsed<T> = Result<T, FieldError>;

/// A currency code as stored: trimmed, upper case, three ASCII letters (ISO 4217 shape).
pub fn currency_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
}

/// [`currency_code`], or a problem on `field`; answers the normalised text either way.
pub fn check_currency(problems: &mut Problems, field: &str, currency: &str) -> String {
    currency_code(currency).unwrap_or_else(|| {
        problems.push(FieldError::input(
            field,
            UserErrorCode::Invalid,
            "currency is a three-letter ISO 4217 code, e.g. CNY",
        ));
        currency.trim().to_ascii_uppercase()
    })
}

/// A non-negative amount of minor units, or a problem on `field`.
pub fn check_amount(problems: &mut Problems, field: &str, amount: i64) -> i64 {
    if amount < 0 {
        problems.push(FieldError::input(
            field,
            UserErrorCode::Invalid,
            format!("{field} is a non-negative amount in minor units"),
        ));
    }
    amount
}

/// A trimmed, lower-cased e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Parsed<Email> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(FieldError::input(
                field,
                UserErrorCode::Required,
                "e-mail is required",
            ));
        }
        if value.len() > 254 || email_address::EmailAddress::from_str(&value).is_err() {
            return Err(FieldError::input(
                field,
                UserErrorCode::Invalid,
                "not a valid e-mail address",
            ));
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10 to 256 characters (the length is what matters; no composition rules).
pub struct NewPassword(String);

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 256;

impl NewPassword {
    pub fn parse(field: &str, raw: &str) -> Parsed<NewPassword> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(FieldError::input(
                field,
                UserErrorCode::Invalid,
                format!("password must be at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(FieldError::input(
                field,
                UserErrorCode::Invalid,
                format!("password must be at most {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A human-facing name: trimmed, 1..=max characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, raw: &str, max_chars: usize) -> Parsed<Name> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldError::input(
                field,
                UserErrorCode::Required,
                format!("{field} is required"),
            ));
        }
        if value.chars().count() > max_chars {
            return Err(FieldError::input(
                field,
                UserErrorCode::Invalid,
                format!("{field} must be at most {max_chars} characters"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(FieldError::input(
                field,
                UserErrorCode::Invalid,
                format!("{field} must not contain control characters"),
            ));
        }
        Ok(Name(value.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A URL-safe identifier: 3..=63 of `a-z`, `0-9` and `-`, starting with a letter or digit and
/// not ending with `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Parsed<Slug> {
        let value = raw.trim();
        let ok_chars = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_ends = !value.starts_with('-') && !value.ends_with('-');
        if !(3..=63).contains(&value.len()) || !ok_chars || !ok_ends {
            return Err(FieldError::input(
                field,
                UserErrorCode::Invalid,
                "slug must be 3 to 63 characters of a-z, 0-9 and '-', not starting or ending with '-'",
            ));
        }
        Ok(Slug(value.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An IANA time zone name known to chrono-tz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl TimeZone {
    pub fn parse(field: &str, raw: &str) -> Parsed<TimeZone> {
        raw.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| {
                FieldError::input(
                    field,
                    UserErrorCode::Invalid,
                    format!("unknown time zone {raw:?}; use an IANA name such as Asia/Shanghai"),
                )
            })
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

/// Collects several field errors, so that one answer lists every problem of an input.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records the problem and gives `None`.
    pub fn take<T>(&mut self, parsed: Parsed<T>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.0.push(problem);
                None
            }
        }
    }

    pub fn push(&mut self, problem: FieldError) {
        self.0.push(problem);
    }

    /// `Err` with all problems if there were any.
    pub fn finish(self) -> Result<(), crate::DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::DomainError::Invalid(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("email", "  Ann@Example.COM ")
                .unwrap()
                .as_str(),
            "ann@example.com"
        );
        assert_eq!(
            Email::parse("email", "").unwrap_err().code,
            UserErrorCode::Required
        );
        assert_eq!(
            Email::parse("email", "not-an-email").unwrap_err().code,
            UserErrorCode::Invalid
        );
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(NewPassword::parse("password", "123456789").is_err());
        assert!(NewPassword::parse("password", "1234567890").is_ok());
        // characters, not bytes
        assert!(NewPassword::parse("password", "密码密码密码密码密码").is_ok());
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("slug", "acme-brand").is_ok());
        for bad in ["ab", "-acme", "acme-", "Acme", "acme brand", "ac_me"] {
            assert!(Slug::parse("slug", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zones() {
        assert_eq!(
            TimeZone::parse("tz", "Asia/Shanghai").unwrap().name(),
            "Asia/Shanghai"
        );
        assert!(TimeZone::parse("tz", "Mars/Olympus").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(Name::parse("name", "  Acme ", 10).unwrap().as_str(), "Acme");
        assert_eq!(
            Name::parse("name", "  ", 10).unwrap_err().code,
            UserErrorCode::Required
        );
        assert!(Name::parse("name", "a\u{0}b", 10).is_err());
        assert!(Name::parse("name", "abcdefghijk", 10).is_err());
    }
}
