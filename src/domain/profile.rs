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

/// A moment as owners read it, in Korea time, e.g. `2026-11-25 14:03`. Written digit by digit
/// rather than with a `strftime` pattern or `format!`: the user table formats forty a page,
/// the formatting machinery cost 2,000 instructions a date, and chrono's pattern code is also
/// a good part of the browser bundle's date code.
pub fn format_kst(moment: &DateTime<Utc>) -> String {
    let local = moment.with_timezone(&korea_time());
    let year = match u32::try_from(local.year()) {
        Ok(year) if year <= 9999 => year,
        // Not a date this service meets; written the slow way rather than wrongly.
        _ => {
            return format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                local.year(),
                local.month(),
                local.day(),
                local.hour(),
                local.minute()
            )
        }
    };
    let mut out = String::with_capacity(16);
    push_two_digits(&mut out, year / 100);
    push_two_digits(&mut out, year % 100);
    out.push('-');
    push_two_digits(&mut out, local.month());
    out.push('-');
    push_two_digits(&mut out, local.day());
    out.push(' ');
    push_two_digits(&mut out, local.hour());
    out.push(':');
    push_two_digits(&mut out, local.minute());
    out
}

/// `n` (below 100) as two digits.
fn push_two_digits(out: &mut String, n: u32) {
    for digit in [n / 10 % 10, n % 10] {
        out.push(char::from_digit(digit, 10).unwrap_or('0'));
    }
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

    #[test]
    fn the_hand_written_digits_match_chronos_pattern() {
        let pattern = |m: &DateTime<Utc>| {
            m.with_timezone(&korea_time())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        let moments = [
            Utc.with_ymd_and_hms(999, 1, 2, 3, 4, 5).unwrap(),
            Utc.with_ymd_and_hms(2009, 12, 31, 15, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 14, 59, 0).unwrap(),
        ];
        for moment in moments {
            assert_eq!(format_kst(&moment), pattern(&moment));
        }
        // Every hour boundary and minute of one day, across the date line in Korea time.
        let start = Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap();
        for minutes in (0..24 * 60).step_by(7) {
            let moment = start + chrono::Duration::minutes(minutes);
            assert_eq!(format_kst(&moment), pattern(&moment));
        }
        let far = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        assert_eq!(format_kst(&far), "10000-01-01 08:59");
    }
}
