use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::has_control_characters;

/// An e-mail address, the sign-in id: trimmed, lower-case, at most 255 characters.
///
/// Only ASCII addresses are accepted, so that lower-casing here and `lower()` in PostgreSQL
/// always agree (the database checks `email = lower(email)`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum EmailError {
    #[error("이메일을 입력해 주세요.")]
    Empty,
    #[error("이메일은 255자 이하로 입력해 주세요.")]
    TooLong,
    #[error("이메일에 제어 문자는 입력할 수 없습니다.")]
    ControlCharacter,
    #[error("이메일 형식이 올바르지 않습니다. 예: owner@example.com")]
    Invalid,
}

impl Email {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if has_control_characters(trimmed) {
            return Err(EmailError::ControlCharacter);
        }
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(EmailError::TooLong);
        }
        if !is_plain_address(trimmed) {
            return Err(EmailError::Invalid);
        }
        Ok(Self(trimmed.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 5322 syntax (checked by `email_address`) narrowed to what mail to a shop owner uses:
/// ASCII, no quoted local part, and a domain name with a dot (no `user@localhost`, no IP literal).
fn is_plain_address(s: &str) -> bool {
    if !s.is_ascii() || s.contains(['"', '[', ']', ' ']) {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email_address::EmailAddress::is_valid(s)
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Owner.Kim@Example.COM ").unwrap().as_str(),
            "owner.kim@example.com"
        );
    }

    #[test]
    fn common_valid_addresses_are_accepted() {
        for ok in [
            "a@b.co",
            "first.last+tag@mail.example.kr",
            "x_y-z@sub.domain.com",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn malformed_addresses_are_rejected() {
        for bad in [
            "plainaddress",
            "@example.com",
            "user@",
            "user@localhost",
            "user@@example.com",
            "user@.example.com",
            "user@example.com.",
            "us er@example.com",
            "\"quoted\"@example.com",
            "user@[127.0.0.1]",
            "김@example.com",
        ] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
    }

    #[test]
    fn empty_long_and_control_inputs_have_their_own_messages() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
        assert_eq!(
            Email::parse("a\0@example.com"),
            Err(EmailError::ControlCharacter)
        );
    }
}
