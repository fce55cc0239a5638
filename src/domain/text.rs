//! Rules every free-text field shares: trimmed, required, bounded in characters, and free of
//! control characters (NUL included), which never reach the database.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TextError {
    #[error("필수 입력 항목입니다.")]
    Empty,
    #[error("{max}자 이하로 입력해 주세요.")]
    TooLong { max: usize },
    #[error("제어 문자(줄바꿈, 탭 등)는 입력할 수 없습니다.")]
    ControlCharacter,
}

/// True when `s` holds a character such as NUL, a tab or a line break.
pub(crate) fn has_control_characters(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Trims `raw` and checks it is a one-line text of 1 to `max` characters.
pub(crate) fn required_line(raw: &str, max: usize) -> Result<String, TextError> {
    let trimmed = raw.trim();
    if has_control_characters(trimmed) {
        return Err(TextError::ControlCharacter);
    }
    if trimmed.is_empty() {
        return Err(TextError::Empty);
    }
    if trimmed.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_white_space_is_trimmed() {
        assert_eq!(required_line("  김민수 ", 10).unwrap(), "김민수");
    }

    #[test]
    fn blank_text_is_empty() {
        assert_eq!(required_line(" \u{3000} ", 10), Err(TextError::Empty));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let hangul = "가".repeat(10);
        assert!(required_line(&hangul, 10).is_ok());
        assert_eq!(
            required_line(&"가".repeat(11), 10),
            Err(TextError::TooLong { max: 10 })
        );
    }

    #[test]
    fn nul_and_line_breaks_are_rejected() {
        assert_eq!(required_line("a\0b", 10), Err(TextError::ControlCharacter));
        assert_eq!(required_line("a\nb", 10), Err(TextError::ControlCharacter));
    }
}
