//! Rules every free-text field shares: trimmed, required, bounded in characters, free of
//! control characters (NUL included), which never reach the database, and free of characters
//! that show as nothing, which would let a name look blank or like someone else's.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum TextError {
    #[error("필수 입력 항목입니다.")]
    Empty,
    #[error("{max}자 이하로 입력해 주세요.")]
    TooLong { max: usize },
    #[error("제어 문자(줄바꿈, 탭 등)는 입력할 수 없습니다.")]
    ControlCharacter,
    #[error("보이지 않는 문자(폭 없는 공백, 한글 채움 문자, 글자 방향 제어 문자 등)는 입력할 수 없습니다.")]
    InvisibleCharacter,
}

/// True when `s` holds a character such as NUL, a tab or a line break.
pub(crate) fn has_control_characters(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// True when `s` holds a character that shows as nothing but is not white space, so trimming
/// leaves it: a name of zero-width spaces or Hangul fillers (the usual trick for a blank
/// nickname) reads as blank in the admin table, and a direction override turns the text after
/// it around. A zero-width joiner is let through between two visible characters, where it
/// joins an emoji (👩‍🍳) rather than hiding.
fn has_invisible_characters(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        if c == ZERO_WIDTH_JOINER {
            let shows =
                |c: Option<&char>| c.is_some_and(|&c| !c.is_whitespace() && !is_invisible(c));
            !(i > 0 && shows(chars.get(i - 1)) && shows(chars.get(i + 1)))
        } else {
            is_invisible(c)
        }
    })
}

const ZERO_WIDTH_JOINER: char = '\u{200D}';

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' // soft hyphen
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{180E}' // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner, direction marks
            | '\u{2028}'..='\u{202E}' // line and paragraph separators, direction embeddings and overrides
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators, direction isolates
            | '\u{2800}' // blank Braille pattern
            | '\u{FEFF}' // byte order mark
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
    )
}

/// Checks that `s` has neither control characters nor invisible ones.
pub(crate) fn visible_text(s: &str) -> Result<(), TextError> {
    if has_control_characters(s) {
        Err(TextError::ControlCharacter)
    } else if has_invisible_characters(s) {
        Err(TextError::InvisibleCharacter)
    } else {
        Ok(())
    }
}

/// Trims `raw` and checks it is a one-line text of 1 to `max` characters.
pub(crate) fn required_line(raw: &str, max: usize) -> Result<String, TextError> {
    let trimmed = raw.trim();
    visible_text(trimmed)?;
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

    #[test]
    fn text_that_shows_as_nothing_is_rejected() {
        for sneaky in [
            "\u{200B}",           // a name of one zero-width space
            "\u{3164}\u{3164}",   // Hangul fillers: a "blank" nickname
            "김\u{200B}민수",     // looks like another owner's name
            "abc\u{202E}fed",     // turns what follows around
            "\u{FEFF}카페",       // a byte order mark pasted along
            "한 줄\u{2028}두 줄", // a line break a one-line field would hide
            "\u{200D}카페",       // a joiner with nothing before it
            "카페 \u{200D} 라떼", // or only space around it
        ] {
            assert_eq!(
                required_line(sneaky, 20),
                Err(TextError::InvisibleCharacter),
                "{sneaky:?}"
            );
        }
    }

    #[test]
    fn emoji_and_korean_text_pass() {
        for fine in [
            "👩‍🍳 민지네 부엌",
            "❤️ 카페",
            "김민수",
            "Café 서울 2호점",
            "👨‍👩‍👧",
        ] {
            assert_eq!(required_line(fine, 20).as_deref(), Ok(fine), "{fine:?}");
        }
    }
}
