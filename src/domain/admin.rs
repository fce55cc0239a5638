//! What the admin console shows: table rows, match counts, a user's page, audit entries and
//! the dashboard. Plain data, filled by the server and rendered by the pages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_tuple::{Deserialize_tuple, Serialize_tuple};
use uuid::Uuid;

use super::{Role, StoreProfile, UserQuery, UserStatus};

/// One row of the user table. A page of rows is serialized with every request (the hydration
/// data), so it travels compactly: as a JSON array in field order rather than an object (a
/// page's field names were 40% of its JSON), and with its times as microseconds since the
/// epoch (PostgreSQL's precision, so nothing is lost), which are written in a fraction of the
/// time of an ISO 8601 text. The server and the browser share this type, so the order is
/// always the same on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize_tuple, Deserialize_tuple)]
pub struct UserRow {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub phone_number: String,
    pub role: Role,
    pub status: UserStatus,
    pub store_name: Option<String>,
    pub industry: Option<String>,
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub last_login_at: Option<DateTime<Utc>>,
    /// When a lock from failed sign-ins ends; `None` for an admin's lock (or no lock).
    #[serde(with = "chrono::serde::ts_microseconds_option")]
    pub locked_until: Option<DateTime<Utc>>,
    pub email_verified: bool,
}

impl UserRow {
    /// Which lock holds the account, as admins read it: "관리자 잠금", or "자동 잠금 · 14:05까지"
    /// for one that failed sign-ins set and that ends by itself. `None` when not locked.
    pub fn lock_label(&self, now: DateTime<Utc>) -> Option<String> {
        if self.status != UserStatus::Locked {
            return None;
        }
        Some(match self.locked_until {
            None => "관리자 잠금".to_owned(),
            Some(until) if until > now => format!(
                "자동 잠금 · {}까지",
                until.with_timezone(&super::korea_time()).format("%H:%M")
            ),
            Some(_) => "자동 잠금 · 만료됨 (다음 로그인 때 풀림)".to_owned(),
        })
    }
}

/// How many users match a view. Counting stops early, because an exact count over a million
/// rows costs more than the page itself and nobody pages that far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchCount {
    Exact(u64),
    /// More than this many match.
    AtLeast(u64),
    /// Every user (no filter): the planner's estimate of the table's size.
    About(u64),
}

impl MatchCount {
    /// The Korean label, e.g. "1,234명", "10,000명 이상", "약 1,000,000명".
    pub fn label(self) -> String {
        match self {
            MatchCount::Exact(n) => format!("{}명", group_digits(n)),
            MatchCount::AtLeast(n) => format!("{}명 이상", group_digits(n)),
            MatchCount::About(n) => format!("약 {}명", group_digits(n)),
        }
    }

    /// The number of pages, when it is known.
    pub fn pages(self, per_page: u32) -> Option<u64> {
        match self {
            MatchCount::Exact(n) => Some(n.div_ceil(u64::from(per_page)).max(1)),
            _ => None,
        }
    }
}

pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub query: UserQuery,
    pub rows: Vec<UserRow>,
    pub matching: MatchCount,
    /// Whether a page follows this one.
    pub has_next: bool,
    /// When the server read the page: what "until when" is measured against (the browser's
    /// clock may be off, and the hydrated page must say what the server said). In microseconds
    /// like the rows' times (see [`UserRow`]): the comparisons come out the same.
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub as_of: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    SetStatus,
    SetRole,
    EndSessions,
    IssueRecoveryCode,
    RequirePasswordChange,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SetStatus => "SET_STATUS",
            AuditAction::SetRole => "SET_ROLE",
            AuditAction::EndSessions => "END_SESSIONS",
            AuditAction::IssueRecoveryCode => "ISSUE_RECOVERY_CODE",
            AuditAction::RequirePasswordChange => "REQUIRE_PASSWORD_CHANGE",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            AuditAction::SetStatus,
            AuditAction::SetRole,
            AuditAction::EndSessions,
            AuditAction::IssueRecoveryCode,
            AuditAction::RequirePasswordChange,
        ]
        .into_iter()
        .find(|a| a.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::SetStatus => "상태 변경",
            AuditAction::SetRole => "권한 변경",
            AuditAction::EndSessions => "로그인 세션 종료",
            AuditAction::IssueRecoveryCode => "복구 코드 발급",
            AuditAction::RequirePasswordChange => "비밀번호 변경 요구",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub actor_email: String,
    pub target_id: Option<Uuid>,
    pub target_email: String,
    pub action: AuditAction,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// How the audit log records an automatic lock (LOCKED with an end) that an admin changed.
pub const AUTOMATIC_LOCK: &str = "LOCKED_AUTOMATIC";

impl AuditEntry {
    /// A stored value as people read it: status and role codes get their Korean label.
    pub fn describe(value: Option<&str>) -> String {
        match value {
            None => "-".to_owned(),
            Some(AUTOMATIC_LOCK) => "잠김 (자동)".to_owned(),
            Some("true") => "예".to_owned(),
            Some("false") => "아니요".to_owned(),
            Some(v) => v
                .parse::<UserStatus>()
                .map(|s| s.label().to_owned())
                .or_else(|_| v.parse::<Role>().map(|r| r.label().to_owned()))
                .unwrap_or_else(|_| v.to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserRow,
    /// An admin asked for a new password at the next sign-in.
    pub must_change_password: bool,
    /// When the server read it (see [`UserPage::as_of`]).
    pub as_of: DateTime<Utc>,
    pub store: Option<StoreProfile>,
    pub open_sessions: usize,
    pub audit: Vec<AuditEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub page: u32,
    pub has_next: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub by_status: Vec<(UserStatus, u64)>,
    pub by_role: Vec<(Role, u64)>,
    /// The last 30 days, oldest first, days without sign-ups included (Korea time).
    pub signups: Vec<(NaiveDate, u64)>,
    pub recent: Vec<AuditEntry>,
}

/// The statuses an admin may set; WITHDRAWN is reached only by the owner and is final.
pub const SETTABLE_STATUSES: [UserStatus; 3] =
    [UserStatus::Active, UserStatus::Inactive, UserStatus::Locked];
pub const NOT_SETTABLE: &str = "관리자가 지정할 수 있는 상태는 활성, 비활성, 잠김입니다.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_korean_labels() {
        assert_eq!(MatchCount::Exact(1234).label(), "1,234명");
        assert_eq!(MatchCount::AtLeast(10_000).label(), "10,000명 이상");
        assert_eq!(MatchCount::About(1_000_000).label(), "약 1,000,000명");
        assert_eq!(MatchCount::Exact(0).label(), "0명");
    }

    #[test]
    fn only_exact_counts_know_their_pages() {
        assert_eq!(MatchCount::Exact(41).pages(20), Some(3));
        assert_eq!(MatchCount::Exact(0).pages(20), Some(1));
        assert_eq!(MatchCount::AtLeast(10_000).pages(20), None);
    }

    #[test]
    fn audit_values_are_described_in_korean() {
        assert_eq!(AuditEntry::describe(Some("LOCKED")), "잠김");
        assert_eq!(AuditEntry::describe(Some("ADMIN")), "관리자");
        assert_eq!(AuditEntry::describe(Some("3")), "3");
        assert_eq!(AuditEntry::describe(None), "-");
        assert_eq!(AuditEntry::describe(Some(AUTOMATIC_LOCK)), "잠김 (자동)");
    }

    #[test]
    fn a_lock_says_whose_it_is_and_until_when() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 5, 0, 0).unwrap();
        let row = |status, locked_until| UserRow {
            id: Uuid::nil(),
            name: String::new(),
            email: String::new(),
            phone_number: String::new(),
            role: Role::Owner,
            status,
            store_name: None,
            industry: None,
            created_at: now,
            last_login_at: None,
            locked_until,
            email_verified: true,
        };
        assert_eq!(row(UserStatus::Active, None).lock_label(now), None);
        assert_eq!(
            row(UserStatus::Locked, None).lock_label(now).as_deref(),
            Some("관리자 잠금")
        );
        // 05:15 UTC is 14:15 in Korea.
        let until = now + chrono::Duration::minutes(15);
        assert_eq!(
            row(UserStatus::Locked, Some(until))
                .lock_label(now)
                .as_deref(),
            Some("자동 잠금 · 14:15까지")
        );
        assert!(row(UserStatus::Locked, Some(now))
            .lock_label(now)
            .unwrap()
            .contains("만료"));
    }

    #[test]
    fn a_row_travels_as_an_array_and_comes_back_the_same() {
        use chrono::TimeZone;
        let row = UserRow {
            id: Uuid::from_u128(7),
            name: "김민준".to_owned(),
            email: "minjun@example.com".to_owned(),
            phone_number: "010-1234-5678".to_owned(),
            role: Role::Admin,
            status: UserStatus::Locked,
            store_name: Some("민준 카페".to_owned()),
            industry: None,
            created_at: Utc.timestamp_micros(1_796_235_112_019_673).unwrap(),
            last_login_at: None,
            locked_until: Some(Utc.with_ymd_and_hms(2026, 12, 2, 5, 0, 0).unwrap()),
            email_verified: false,
        };
        let json = serde_json::to_string(&row).unwrap();
        assert!(json.starts_with("[\"00000000-0000-0000-0000-000000000007\",\"김민준\""));
        assert!(!json.contains("email_verified"), "no field names: {json}");
        assert_eq!(serde_json::from_str::<UserRow>(&json).unwrap(), row);
    }
}

/// Why an owner who may not sign in (inactive, or locked by an admin) gets no recovery code:
/// the reset form would refuse it. Said by the server and, in place of the button, the page.
pub const RECOVERY_NEEDS_ACCESS: &str = "비활성이거나 관리자가 잠근 계정에는 복구 코드를 발급할 수 없습니다. 먼저 상태를 활성으로 바꾼 뒤 발급해 주세요.";

/// A recovery code just issued, shown once to the admin who issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCode {
    /// As read out: "1234-5678".
    pub code: String,
    pub expires_at: DateTime<Utc>,
}
