use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The life of an account. Only ACTIVE accounts may sign in; WITHDRAWN is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum UserStatus {
    Active,
    Inactive,
    Locked,
    Withdrawn,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("알 수 없는 계정 상태입니다: {0}")]
pub struct UnknownUserStatus(pub String);

impl UserStatus {
    pub const ALL: [UserStatus; 4] = [
        UserStatus::Active,
        UserStatus::Inactive,
        UserStatus::Locked,
        UserStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "ACTIVE",
            UserStatus::Inactive => "INACTIVE",
            UserStatus::Locked => "LOCKED",
            UserStatus::Withdrawn => "WITHDRAWN",
        }
    }

    /// The Korean label shown in the UI.
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Active => "활성",
            UserStatus::Inactive => "비활성",
            UserStatus::Locked => "잠김",
            UserStatus::Withdrawn => "탈퇴",
        }
    }

    pub fn can_sign_in(self) -> bool {
        self == UserStatus::Active
    }
}

/// Whether an account may keep (and use) its sessions and tokens: ACTIVE, or locked only by
/// failed sign-ins (which stops guessing from unknown browsers; it signs nobody out). The one
/// rule for every place that asks; the server has it in SQL too (`MAY_KEEP_ACCESS_SQL`).
pub fn may_keep_access(status: UserStatus, locked_until: Option<DateTime<Utc>>) -> bool {
    status == UserStatus::Active || (status == UserStatus::Locked && locked_until.is_some())
}

impl FromStr for UserStatus {
    type Err = UnknownUserStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UserStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownUserStatus(s.to_owned()))
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_stored_text() {
        for status in UserStatus::ALL {
            assert_eq!(status.as_str().parse::<UserStatus>().unwrap(), status);
        }
        assert!("DELETED".parse::<UserStatus>().is_err());
    }

    #[test]
    fn only_active_accounts_may_sign_in() {
        let allowed: Vec<_> = UserStatus::ALL
            .into_iter()
            .filter(|s| s.can_sign_in())
            .collect();
        assert_eq!(allowed, vec![UserStatus::Active]);
    }
}
