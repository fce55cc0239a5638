use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::has_control_characters;

/// A Korean mobile number in one normal form, `010-1234-5678`.
///
/// Typed with or without hyphens, spaces or dots, or with the +82 country code.
/// 010 numbers have 8 digits after the prefix; the older 011/016/017/018/019 ones 7 or 8.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PhoneNumberError {
    #[error("휴대폰 번호를 입력해 주세요.")]
    Empty,
    #[error("휴대폰 번호에 제어 문자는 입력할 수 없습니다.")]
    ControlCharacter,
    #[error("휴대폰 번호 형식이 올바르지 않습니다. 예: 010-1234-5678")]
    Invalid,
}

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, PhoneNumberError> {
        let trimmed = raw.trim();
        if has_control_characters(trimmed) {
            return Err(PhoneNumberError::ControlCharacter);
        }
        if trimmed.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        let mut digits = String::with_capacity(11);
        for (i, c) in trimmed.char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                '-' | ' ' | '.' => {}
                '+' if i == 0 => {}
                _ => return Err(PhoneNumberError::Invalid),
            }
        }
        let national = match digits.strip_prefix("82") {
            Some(rest) if trimmed.starts_with('+') => format!("0{rest}"),
            _ if trimmed.starts_with('+') => return Err(PhoneNumberError::Invalid),
            _ => digits,
        };
        let (prefix, subscriber) = national.split_at(national.len().min(3));
        let subscriber_ok = match prefix {
            "010" => subscriber.len() == 8,
            "011" | "016" | "017" | "018" | "019" => matches!(subscriber.len(), 7 | 8),
            _ => false,
        };
        if !subscriber_ok {
            return Err(PhoneNumberError::Invalid);
        }
        let (middle, last) = subscriber.split_at(subscriber.len() - 4);
        Ok(Self(format!("{prefix}-{middle}-{last}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_way_of_typing_gives_one_normal_form() {
        for typed in [
            "010-1234-5678",
            "01012345678",
            "010 1234 5678",
            "010.1234.5678",
            " 010-1234-5678 ",
            "+82 10-1234-5678",
            "+821012345678",
        ] {
            assert_eq!(
                PhoneNumber::parse(typed).unwrap().as_str(),
                "010-1234-5678",
                "{typed}"
            );
        }
    }

    #[test]
    fn old_prefixes_with_seven_digits_are_accepted() {
        assert_eq!(
            PhoneNumber::parse("0111234567").unwrap().as_str(),
            "011-123-4567"
        );
        assert_eq!(
            PhoneNumber::parse("016-1234-5678").unwrap().as_str(),
            "016-1234-5678"
        );
    }

    #[test]
    fn landlines_short_numbers_and_letters_are_rejected() {
        for bad in [
            "02-123-4567",
            "010-123-456",
            "010-1234-56789",
            "010-abcd-5678",
            "+1 010 1234 5678",
            "0101234567",
        ] {
            assert_eq!(
                PhoneNumber::parse(bad),
                Err(PhoneNumberError::Invalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn empty_and_control_inputs_have_their_own_messages() {
        assert_eq!(PhoneNumber::parse(" "), Err(PhoneNumberError::Empty));
        assert_eq!(
            PhoneNumber::parse("010\u{0}12345678"),
            Err(PhoneNumberError::ControlCharacter)
        );
    }
}
