use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::text::has_control_characters;

/// A new password that meets the account rules. The text is kept in a `SecretString`, so it
/// never shows up in `Debug` output or logs.
///
/// Passwords typed at sign-in are not parsed with these rules (an old account may predate
/// them); they travel as a plain `SecretString` to the verifier.
#[derive(Clone)]
pub struct Password(SecretString);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PasswordError {
    #[error("비밀번호를 입력해 주세요.")]
    Empty,
    #[error("비밀번호는 8자 이상이어야 합니다.")]
    TooShort,
    #[error("비밀번호는 64자 이하로 입력해 주세요.")]
    TooLong,
    // bcrypt reads only the first 72 bytes; a longer password would be silently cut.
    #[error(
        "비밀번호가 너무 깁니다. 한글은 글자당 3바이트로 계산되어 72바이트를 넘을 수 없습니다."
    )]
    TooManyBytes,
    #[error("비밀번호에 제어 문자는 입력할 수 없습니다.")]
    ControlCharacter,
    #[error("비밀번호는 이메일과 달라야 합니다.")]
    SameAsEmail,
    #[error("너무 흔하거나 추측하기 쉬운 비밀번호입니다. 다른 비밀번호를 사용해 주세요.")]
    TooGuessable,
}

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 64;
    pub const MAX_BYTES: usize = 72;
    /// The rules above as every form that sets a password states them next to the field.
    pub const RULES_HINT: &'static str =
        "8~64자. 흔한 비밀번호나 이메일과 같은 비밀번호는 사용할 수 없습니다.";

    /// Checks the rules for a password being set. Surrounding spaces are kept: they are part of
    /// what the user typed.
    pub fn parse(raw: &str) -> Result<Self, PasswordError> {
        if raw.is_empty() {
            return Err(PasswordError::Empty);
        }
        if has_control_characters(raw) {
            return Err(PasswordError::ControlCharacter);
        }
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > Self::MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(PasswordError::TooManyBytes);
        }
        Ok(Self(SecretString::from(raw)))
    }

    /// Checks a password an account is about to get: the rules of `parse`, not the account's
    /// e-mail, and (on the server) not common or easily guessed from `personal` inputs such as
    /// the e-mail and name.
    ///
    /// The guessability check (zxcvbn, with its lists of common passwords) runs on the server
    /// only: its dictionaries would double the browser bundle. The server decides anyway.
    pub fn parse_for_account(
        raw: &str,
        email: &str,
        personal: &[&str],
    ) -> Result<Self, PasswordError> {
        let password = Self::parse(raw)?;
        if raw.trim().eq_ignore_ascii_case(email.trim()) {
            return Err(PasswordError::SameAsEmail);
        }
        #[cfg(feature = "ssr")]
        {
            let mut inputs: Vec<&str> = vec![email];
            inputs.extend(email.split('@').next());
            inputs.extend_from_slice(personal);
            if zxcvbn::zxcvbn(raw, &inputs).score() < zxcvbn::Score::Two {
                return Err(PasswordError::TooGuessable);
            }
        }
        #[cfg(not(feature = "ssr"))]
        let _ = personal;
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_to_sixty_four_characters_are_accepted() {
        assert!(Password::parse("abcd1234").is_ok());
        assert!(Password::parse(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn short_and_long_passwords_are_rejected() {
        assert_eq!(Password::parse("").unwrap_err(), PasswordError::Empty);
        assert_eq!(
            Password::parse("abc123").unwrap_err(),
            PasswordError::TooShort
        );
        assert_eq!(
            Password::parse(&"a".repeat(65)).unwrap_err(),
            PasswordError::TooLong
        );
    }

    #[test]
    fn a_password_over_72_bytes_is_rejected_not_truncated() {
        // 25 Hangul syllables: 25 characters but 75 bytes.
        let hangul = "가".repeat(25);
        assert_eq!(
            Password::parse(&hangul).unwrap_err(),
            PasswordError::TooManyBytes
        );
    }

    #[test]
    fn control_characters_are_rejected() {
        assert_eq!(
            Password::parse("abcd\u{0}1234").unwrap_err(),
            PasswordError::ControlCharacter
        );
    }

    #[test]
    fn the_password_may_not_be_the_email() {
        assert_eq!(
            Password::parse_for_account("Owner@Example.com", "owner@example.com", &[]).unwrap_err(),
            PasswordError::SameAsEmail
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn common_and_personal_passwords_are_refused() {
        for common in ["password1", "qwerty123", "12345678", "iloveyou1"] {
            assert_eq!(
                Password::parse_for_account(common, "a@example.com", &[]).unwrap_err(),
                PasswordError::TooGuessable,
                "{common}"
            );
        }
        assert_eq!(
            Password::parse_for_account("minsu.kim2024", "minsu.kim@example.com", &[]).unwrap_err(),
            PasswordError::TooGuessable
        );
        assert!(Password::parse_for_account("봄날의 떡볶이 가게 7", "a@example.com", &[]).is_ok());
        assert!(Password::parse_for_account("tangerine-harbor-42", "a@example.com", &[]).is_ok());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::parse("s3cret-pass").unwrap();
        assert!(!format!("{password:?}").contains("s3cret"));
    }
}
