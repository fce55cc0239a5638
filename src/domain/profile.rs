use chrono::{DateTime, Datelike, FixedOffset, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::Role;

/// What the profile page shows of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    pub phone_number: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// Owners have one; admins none.
    pub store: Option<StoreProfile>,
    /// Whether the sign-in address has been proven to reach the user.
    pub email_verified: bool,
    /// A new sign-in address waiting for its confirmation code, if any.
    pub pending_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreProfile {
    pub name: String,
    pub industry: String,
    pub address: String,
    pub business_hours: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Korea time: UTC+9, no daylight saving.
pub fn korea_time() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// A moment as owners read it, in Korea time, e.g. `2026-11-25 14:03`. Written out by hand
/// rather than with a `strftime` pattern: the user table formats forty a page, and chrono's
/// pattern machinery is also a good part of the browser bundle's date code.
pub fn format_kst(moment: &DateTime<Utc>) -> String {
    let local = moment.with_timezone(&korea_time());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn moments_are_shown_in_korea_time() {
        let moment = Utc.with_ymd_and_hms(2026, 11, 24, 20, 30, 0).unwrap();
        assert_eq!(format_kst(&moment), "2026-11-25 05:30");
    }
}
