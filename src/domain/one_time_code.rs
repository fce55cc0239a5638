use std::fmt;

use serde::{Deserialize, Serialize};

/// A code as the user types it: the 6 digits of an e-mailed code, or the 8 digits of a
/// recovery code an admin read out over the phone. Spaces and hyphens are forgiven (people copy
/// "123 456" or "1234-5678").
#[derive(Clone, PartialEq, Eq)]
pub struct OneTimeCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum OneTimeCodeError {
    #[error("인증 코드를 입력해 주세요.")]
    Empty,
    #[error("인증 코드는 메일로 받은 숫자 6자리(관리자에게 받은 복구 코드는 8자리)입니다.")]
    Malformed,
}

impl OneTimeCode {
    /// The length of a code sent by e-mail.
    pub const EMAILED_DIGITS: usize = 6;
    /// The length of a recovery code an admin hands out.
    pub const RECOVERY_DIGITS: usize = 8;

    pub fn parse(raw: &str) -> Result<Self, OneTimeCodeError> {
        let digits: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.is_empty() {
            return Err(OneTimeCodeError::Empty);
        }
        let well_formed = digits.chars().all(|c| c.is_ascii_digit())
            && [Self::EMAILED_DIGITS, Self::RECOVERY_DIGITS].contains(&digits.len());
        if well_formed {
            Ok(Self(digits))
        } else {
            Err(OneTimeCodeError::Malformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How people read it: "123456", or "1234-5678" for a recovery code.
    pub fn display(digits: &str) -> String {
        if digits.len() == Self::RECOVERY_DIGITS {
            format!("{}-{}", &digits[..4], &digits[4..])
        } else {
            digits.to_owned()
        }
    }
}

/// Never printed whole: a code in a log would be a key left lying around.
impl fmt::Debug for OneTimeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_or_eight_digits_are_a_code_with_spaces_and_hyphens_forgiven() {
        assert_eq!(OneTimeCode::parse(" 123 456 ").unwrap().as_str(), "123456");
        assert_eq!(
            OneTimeCode::parse("1234-5678").unwrap().as_str(),
            "12345678"
        );
    }

    #[test]
    fn anything_else_is_refused_with_what_a_code_looks_like() {
        assert_eq!(OneTimeCode::parse(""), Err(OneTimeCodeError::Empty));
        assert_eq!(
            OneTimeCode::parse("12345"),
            Err(OneTimeCodeError::Malformed)
        );
        assert_eq!(
            OneTimeCode::parse("12345a"),
            Err(OneTimeCodeError::Malformed)
        );
        assert_eq!(
            OneTimeCode::parse("١٢٣٤٥٦"),
            Err(OneTimeCodeError::Malformed)
        );
        assert_eq!(
            OneTimeCode::parse("1234567"),
            Err(OneTimeCodeError::Malformed)
        );
    }

    #[test]
    fn a_code_is_never_printed_in_debug_output() {
        assert!(!format!("{:?}", OneTimeCode::parse("123456").unwrap()).contains("123"));
    }

    #[test]
    fn recovery_codes_read_in_two_halves() {
        assert_eq!(OneTimeCode::display("12345678"), "1234-5678");
        assert_eq!(OneTimeCode::display("123456"), "123456");
    }
}
