use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// What an account may do: an OWNER (소상공인) manages their own account and store, an ADMIN
/// manages every account. Stored as the upper-case text of the ERD's CHECK constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    Owner,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("알 수 없는 권한입니다: {0}")]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 2] = [Role::Owner, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "OWNER",
            Role::Admin => "ADMIN",
        }
    }

    /// The Korean label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "점주",
            Role::Admin => "관리자",
        }
    }

    /// Where a user of this role lands after signing in.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Owner => "/profile",
            Role::Admin => "/admin/users",
        }
    }
}

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_stored_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("owner".parse::<Role>().is_err());
    }
}
