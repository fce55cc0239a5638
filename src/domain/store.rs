//! The store an owner signs up with.

use serde::{Deserialize, Serialize};

use super::text::{required_line, visible_text, TextError};

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, TextError> {
                required_line(raw, Self::MAX_CHARS).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

bounded_text!(
    /// The store's name (상호), 1 to 200 characters.
    StoreName,
    200
);
bounded_text!(
    /// The line of business (업종): one of `COMMON_INDUSTRIES` or free text, 1 to 100 characters.
    Industry,
    100
);
bounded_text!(
    /// The store's address, 1 to 500 characters.
    Address,
    500
);

/// Choices offered for the industry field; any other text is accepted too.
pub const COMMON_INDUSTRIES: [&str; 10] = [
    "음식점",
    "카페",
    "베이커리",
    "주점",
    "미용실",
    "네일·뷰티",
    "학원",
    "소매점",
    "헬스·필라테스",
    "기타",
];

/// Opening hours as the owner writes them, several lines allowed, at most 1000 characters;
/// empty means not given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours(Option<String>);

impl BusinessHours {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        // Line breaks are part of a timetable; every other control character is refused, and
        // so is any character that shows as nothing (a line counts as a space around it).
        let normalized = raw.replace("\r\n", "\n");
        let trimmed = normalized.trim();
        visible_text(&trimmed.replace('\n', " "))?;
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(TextError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self((!trimmed.is_empty()).then(|| trimmed.to_owned())))
    }

    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_fields_have_their_own_limits() {
        assert!(StoreName::parse(&"가".repeat(200)).is_ok());
        assert_eq!(
            StoreName::parse(&"가".repeat(201)),
            Err(TextError::TooLong { max: 200 })
        );
        assert_eq!(
            Industry::parse(&"a".repeat(101)),
            Err(TextError::TooLong { max: 100 })
        );
        assert_eq!(
            Address::parse(&"a".repeat(501)),
            Err(TextError::TooLong { max: 500 })
        );
        assert_eq!(Address::parse("  "), Err(TextError::Empty));
    }

    #[test]
    fn business_hours_keep_lines_and_may_be_empty() {
        assert_eq!(
            BusinessHours::parse("평일 09:00-21:00\r\n주말 휴무 ")
                .unwrap()
                .as_deref(),
            Some("평일 09:00-21:00\n주말 휴무")
        );
        assert_eq!(BusinessHours::parse("   ").unwrap().as_deref(), None);
        assert_eq!(
            BusinessHours::parse("a\u{0}b"),
            Err(TextError::ControlCharacter)
        );
        assert_eq!(
            BusinessHours::parse("평일 09:00-21:00\n\u{200D}주말 휴무"),
            Err(TextError::InvisibleCharacter)
        );
        assert!(BusinessHours::parse(&"a".repeat(1001)).is_err());
    }
}
