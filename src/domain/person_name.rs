use std::fmt;

use serde::{Deserialize, Serialize};

use super::text::{required_line, TextError};

/// A person's name as shown to admins and on the profile: 1 to 100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, TextError> {
        required_line(raw, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = TextError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PersonName> for String {
    fn from(name: PersonName) -> Self {
        name.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_korean_name_is_accepted() {
        assert_eq!(PersonName::parse(" 김민수 ").unwrap().as_str(), "김민수");
    }

    #[test]
    fn a_name_of_101_characters_is_rejected() {
        assert_eq!(
            PersonName::parse(&"가".repeat(101)),
            Err(TextError::TooLong { max: 100 })
        );
    }
}
