//! Codes that prove something to us once: that someone reads the mail of an address (password
//! reset, verification, an address change), or that an admin vouched for them over the phone
//! (recovery). Only hashes are stored; each code has a link twin (a 256-bit token) where a mail
//! carries it, so it works from a phone's mail app or KakaoTalk's browser as well as typed in.
//!
//! Rules: a newer code of the same purpose replaces older ones; a code works once, until it
//! expires, and 10 wrong guesses void it. Every refusal says which of these it was.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Duration, Utc};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{error::ServerError, state::AppState, window_counter};
use crate::{
    domain::OneTimeCode,
    error::{AppError, FormErrors},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    PasswordReset,
    EmailVerification,
    EmailChange,
    AdminRecovery,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "PASSWORD_RESET",
            Purpose::EmailVerification => "EMAIL_VERIFICATION",
            Purpose::EmailChange => "EMAIL_CHANGE",
            Purpose::AdminRecovery => "ADMIN_RECOVERY",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        [
            Purpose::PasswordReset,
            Purpose::EmailVerification,
            Purpose::EmailChange,
            Purpose::AdminRecovery,
        ]
        .into_iter()
        .find(|p| p.as_str() == raw)
    }

    /// How long a code of this purpose works.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::PasswordReset => Duration::minutes(30),
            Purpose::EmailVerification | Purpose::EmailChange => Duration::hours(24),
            Purpose::AdminRecovery => Duration::hours(12),
        }
    }

    fn digits(self) -> usize {
        match self {
            Purpose::AdminRecovery => OneTimeCode::RECOVERY_DIGITS,
            _ => OneTimeCode::EMAILED_DIGITS,
        }
    }

    /// Recovery codes are read out over the phone: no link.
    fn has_link(self) -> bool {
        self != Purpose::AdminRecovery
    }
}

/// Wrong guesses that void a code.
pub const MAX_FAILED_ATTEMPTS: i32 = 10;

/// A code just made: what goes into the mail (or onto the admin's screen), once.
pub struct Issued {
    pub code: String,
    pub link_token: Option<String>,
    pub expires_at: DateTime<Utc>,
}

fn code_hash(id: Uuid, code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(id.as_bytes());
    hasher.update(code.as_bytes());
    hasher.finalize().to_vec()
}

fn link_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Makes a code for `user_id`, replacing the user's earlier ones of the same purpose.
/// `new_email` is the address the code was sent to (verification, change).
pub async fn issue(
    tx: &mut PgConnection,
    user_id: Uuid,
    purpose: Purpose,
    new_email: Option<&str>,
) -> Result<Issued, sqlx::Error> {
    let (code, link_token) = {
        let mut rng = rand::rng();
        let code: String = (0..purpose.digits())
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect();
        let link_token = purpose.has_link().then(|| {
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            URL_SAFE_NO_PAD.encode(bytes)
        });
        (code, link_token)
    };
    let id = Uuid::new_v4();
    let expires_at = Utc::now() + purpose.lifetime();
    sqlx::query(
        "INSERT INTO one_time_codes (id, user_id, purpose, code_hash, link_hash, new_email, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(code_hash(id, &code))
    .bind(link_token.as_deref().map(link_hash))
    .bind(new_email)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(Issued {
        code,
        link_token,
        expires_at,
    })
}

/// A code that was checked and is now used up.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub user_id: Uuid,
    pub purpose: Purpose,
    pub new_email: Option<String>,
}

/// Why a code or link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("인증 코드가 올바르지 않습니다. 받은 메일의 숫자를 다시 확인해 주세요. (남은 입력 횟수 {left}회)")]
    Wrong { left: i32 },
    /// A wrong code where telling more would say whether the account exists.
    #[error("인증 코드가 올바르지 않습니다. 받은 메일의 숫자를 다시 확인해 주세요. 10번 틀리면 그 코드는 더 이상 입력할 수 없습니다.")]
    Unknown,
    #[error("인증 코드를 10번 잘못 입력하여 더 이상 입력할 수 없습니다. 메일의 버튼을 누르거나 새 코드를 요청해 주세요.")]
    Voided,
    /// This wrong guess was the tenth: the code can no longer be typed.
    #[error("인증 코드를 10번 잘못 입력하여 더 이상 입력할 수 없습니다. 메일의 버튼을 누르거나 새 코드를 요청해 주세요.")]
    Locked,
    #[error("인증 코드를 너무 많이 틀렸습니다. 내일 다시 시도하거나 고객센터에 문의해 주세요.")]
    TooManyGuesses,
    #[error("인증 코드의 유효 시간이 지났습니다. 새 코드를 요청해 주세요.")]
    Expired,
    #[error("이미 사용한 인증 코드입니다. 필요하면 새 코드를 요청해 주세요.")]
    Used,
    #[error("그 사이 비밀번호나 이메일이 변경되어 이 인증 코드는 더 이상 사용할 수 없습니다. 필요하면 새 코드를 요청해 주세요.")]
    Cancelled,
    #[error("더 최근에 보낸 인증 코드가 있습니다. 가장 최근에 받은 메일의 코드를 입력해 주세요.")]
    Replaced,
    #[error("링크가 올바르지 않거나 이미 사용되었습니다. 새 메일을 요청해 주세요.")]
    BadLink,
}

#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error(transparent)]
    Refused(Refused),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Unavailable(ServerError),
}

impl Refused {
    /// What the form shows: the message at `field`, or (for a link, which nobody typed) above
    /// the form.
    pub fn at(self, field: Option<&str>) -> AppError {
        match field {
            Some(field) => AppError::field(field, self),
            None => AppError::Form(FormErrors::new(self.to_string())),
        }
    }
}

impl RedeemError {
    pub fn at(self, field: Option<&str>) -> AppError {
        match self {
            RedeemError::Refused(refusal) => refusal.at(field),
            RedeemError::Database(e) => e.into(),
            RedeemError::Unavailable(e) => e.into(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    purpose: String,
    code_hash: Vec<u8>,
    new_email: Option<String>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    voided_at: Option<DateTime<Utc>>,
    /// Set after 10 wrong guesses: the code can no longer be typed (its link still works).
    code_locked_at: Option<DateTime<Utc>>,
    /// Whether a newer code of the same purpose exists.
    replaced: bool,
}

const SELECT_ROWS: &str = "SELECT c.id, c.user_id, c.purpose, c.code_hash, c.new_email,
       c.expires_at, c.used_at, c.voided_at, c.code_locked_at,
       EXISTS (SELECT 1 FROM one_time_codes n WHERE n.user_id = c.user_id
               AND n.purpose = c.purpose AND n.created_at > c.created_at) AS replaced
  FROM one_time_codes c";

impl Row {
    /// Why this row can no longer be used, if it cannot.
    fn refusal(&self, now: DateTime<Utc>) -> Option<Refused> {
        if self.used_at.is_some() {
            Some(Refused::Used)
        } else if self.voided_at.is_some() {
            Some(Refused::Cancelled)
        } else if self.replaced {
            Some(Refused::Replaced)
        } else if self.expires_at <= now {
            Some(Refused::Expired)
        } else {
            None
        }
    }

    /// Why this row can no longer be used by typing its code.
    fn typed_refusal(&self, now: DateTime<Utc>) -> Option<Refused> {
        self.refusal(now)
            .or(self.code_locked_at.map(|_| Refused::Voided))
    }

    fn matches(&self, code: &OneTimeCode) -> bool {
        code_hash(self.id, code.as_str())
            .ct_eq(&self.code_hash)
            .into()
    }

    fn redeemed(&self) -> Option<Redeemed> {
        Some(Redeemed {
            user_id: self.user_id,
            purpose: Purpose::parse(&self.purpose)?,
            new_email: self.new_email.clone(),
        })
    }
}

/// Uses the code up in `tx`, unless another request did first (it waits for that request's
/// transaction, then finds the code used): a code works once, even twice at the same moment.
async fn mark_used(tx: &mut PgConnection, id: Uuid) -> Result<(), RedeemError> {
    let marked = sqlx::query(
        "UPDATE one_time_codes SET used_at = now()
         WHERE id = $1 AND used_at IS NULL AND voided_at IS NULL",
    )
    .bind(id)
    .execute(tx)
    .await?
    .rows_affected();
    if marked == 1 {
        Ok(())
    } else {
        Err(RedeemError::Refused(Refused::Used))
    }
}

/// Codes a user's account may be tried with in a day, across codes and purposes: asking for new
/// codes does not buy more tries.
const MAX_DAILY_GUESSES: i64 = 30;

/// A typed code that was checked and may be used: [`use_code`] uses it up.
pub struct Checked {
    id: Uuid,
    redeemed: Redeemed,
}

impl Checked {
    pub fn redeemed(&self) -> &Redeemed {
        &self.redeemed
    }
}

/// Checks `code` against the user's codes of `purposes`, on the pool and before any
/// transaction of the caller's (no request ever holds a transaction while it waits for a
/// second connection). 10 wrong codes at one code stop it being typed (its link still works),
/// 30 tries a day at an account stop typing altogether. Each try is counted before the code is
/// compared, so guesses sent all at once cannot get past either limit; tries while the account
/// has no code that could match count nowhere (a stranger cannot use them up in advance).
/// A wrong code never says more than that it is wrong (nor whether the account has codes).
pub async fn check_code(
    state: &AppState,
    user_id: Uuid,
    purposes: &[Purpose],
    code: &OneTimeCode,
) -> Result<Checked, RedeemError> {
    // Only codes of the typed length can match, and only they are charged a try: a six-digit
    // guess at the reset form must not use up the eight-digit code an admin read out over the
    // phone, which has no link to fall back on.
    let names: Vec<&str> = purposes
        .iter()
        .filter(|p| p.digits() == code.as_str().len())
        .map(|p| p.as_str())
        .collect();
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT_ROWS} WHERE c.user_id = $1 AND c.purpose = ANY($2)
         ORDER BY c.created_at DESC"
    ))
    .bind(user_id)
    .bind(&names)
    .fetch_all(&state.db)
    .await?;
    let now = Utc::now();
    let (current, past): (Vec<&Row>, Vec<&Row>) = rows
        .iter()
        .partition(|row| row.typed_refusal(now).is_none());
    // Knowing a used, expired or replaced code proves the mail was read: say which it is.
    if let Some(refusal) = past
        .iter()
        .find(|row| row.matches(code))
        .and_then(|row| row.typed_refusal(now))
    {
        return Err(RedeemError::Refused(refusal));
    }
    if current.is_empty() {
        return Err(RedeemError::Refused(Refused::Unknown));
    }
    let tries_today =
        window_counter::count_one(&state.redis, &format!("code_guesses:{user_id}"), 24 * 3600)
            .await
            .map_err(|e| RedeemError::Unavailable(e.into()))?;
    if tries_today > MAX_DAILY_GUESSES {
        return Err(RedeemError::Refused(Refused::TooManyGuesses));
    }
    // One try at each current code, taken before comparing: a code out of tries is not compared.
    let ids: Vec<Uuid> = current.iter().map(|row| row.id).collect();
    let tried: Vec<(Uuid, i32)> = sqlx::query_as(
        "UPDATE one_time_codes SET failed_attempts = failed_attempts + 1
         WHERE id = ANY($1) AND used_at IS NULL AND voided_at IS NULL
           AND code_locked_at IS NULL AND failed_attempts < $2
         RETURNING id, failed_attempts",
    )
    .bind(&ids)
    .bind(MAX_FAILED_ATTEMPTS)
    .fetch_all(&state.db)
    .await?;
    let right = current
        .iter()
        .filter(|row| tried.iter().any(|(id, _)| *id == row.id))
        .find(|row| row.matches(code));
    if let Some(row) = right {
        // A right code is no failed attempt: the try is given back.
        sqlx::query(
            "UPDATE one_time_codes SET failed_attempts = failed_attempts - 1 WHERE id = $1",
        )
        .bind(row.id)
        .execute(&state.db)
        .await?;
        let redeemed = row
            .redeemed()
            .ok_or(RedeemError::Refused(Refused::Unknown))?;
        return Ok(Checked {
            id: row.id,
            redeemed,
        });
    }
    let spent: Vec<Uuid> = tried
        .iter()
        .filter(|(_, attempts)| *attempts >= MAX_FAILED_ATTEMPTS)
        .map(|(id, _)| *id)
        .collect();
    if !spent.is_empty() {
        sqlx::query(
            "UPDATE one_time_codes SET code_locked_at = COALESCE(code_locked_at, now())
             WHERE id = ANY($1)",
        )
        .bind(&spent)
        .execute(&state.db)
        .await?;
    }
    let most = tried
        .iter()
        .map(|(_, attempts)| *attempts)
        .max()
        .unwrap_or(MAX_FAILED_ATTEMPTS);
    Err(RedeemError::Refused(if most >= MAX_FAILED_ATTEMPTS {
        Refused::Locked
    } else {
        Refused::Wrong {
            left: MAX_FAILED_ATTEMPTS - most,
        }
    }))
}

/// Uses a checked code up in `tx`: the caller commits that together with what the code allows
/// (if that fails, the code still works). Refused if another request used it meanwhile.
pub async fn use_code(tx: &mut PgConnection, checked: Checked) -> Result<Redeemed, RedeemError> {
    mark_used(tx, checked.id).await?;
    Ok(checked.redeemed)
}

/// Finds the code a mail's link names, without using it up: the page the link opens shows
/// what it is for first (a mail scanner opening links changes nothing).
pub async fn peek_link(
    db: &sqlx::PgPool,
    token: &str,
) -> Result<Result<Redeemed, Refused>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT_ROWS} WHERE c.link_hash = $1"))
        .bind(link_hash(token))
        .fetch_optional(db)
        .await?;
    Ok(match row {
        None => Err(Refused::BadLink),
        Some(row) => match row.refusal(Utc::now()) {
            Some(refusal) => Err(refusal),
            None => row.redeemed().ok_or(Refused::BadLink),
        },
    })
}

/// Uses up the code a mail's link names, in `tx`.
pub async fn redeem_link(tx: &mut PgConnection, token: &str) -> Result<Redeemed, RedeemError> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT_ROWS} WHERE c.link_hash = $1"))
        .bind(link_hash(token))
        .fetch_optional(&mut *tx)
        .await?;
    let row = row.ok_or(RedeemError::Refused(Refused::BadLink))?;
    if let Some(refusal) = row.refusal(Utc::now()) {
        return Err(RedeemError::Refused(refusal));
    }
    mark_used(tx, row.id).await?;
    row.redeemed().ok_or(RedeemError::Refused(Refused::BadLink))
}

/// Voids every unused code of the user's: after a password change, an address change, or an
/// admin taking access away, no code sent before may still change the account.
pub async fn void_all(tx: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE one_time_codes SET voided_at = now()
         WHERE user_id = $1 AND used_at IS NULL AND voided_at IS NULL",
    )
    .bind(user_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// Deletes codes that ended more than a day ago (kept that long to say why they fail).
pub async fn delete_old(db: &sqlx::PgPool) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("DELETE FROM one_time_codes WHERE expires_at < now() - interval '1 day'")
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// Deletes old codes every ten minutes, on every node (the deletes are idempotent), until the
/// task is dropped.
pub async fn clean_up(db: sqlx::PgPool) {
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        ticker.tick().await;
        match delete_old(&db).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "old one-time codes deleted"),
            Err(error) => tracing::debug!(error = %error, "old one-time codes not deleted yet"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(now: DateTime<Utc>) -> Row {
        Row {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            purpose: "PASSWORD_RESET".into(),
            code_hash: code_hash(Uuid::nil(), "123456"),
            new_email: None,
            expires_at: now + Duration::minutes(1),
            used_at: None,
            voided_at: None,
            code_locked_at: None,
            replaced: false,
        }
    }

    #[test]
    fn a_code_says_why_it_no_longer_works() {
        let now = Utc::now();
        assert_eq!(row(now).refusal(now), None);
        let used = Row {
            used_at: Some(now),
            ..row(now)
        };
        assert_eq!(used.refusal(now), Some(Refused::Used));
        let expired = Row {
            expires_at: now,
            ..row(now)
        };
        assert_eq!(expired.refusal(now), Some(Refused::Expired));
        let replaced = Row {
            replaced: true,
            ..row(now)
        };
        assert_eq!(replaced.refusal(now), Some(Refused::Replaced));
        let guessed = Row {
            code_locked_at: Some(now),
            ..row(now)
        };
        assert_eq!(guessed.typed_refusal(now), Some(Refused::Voided));
        assert_eq!(guessed.refusal(now), None, "its link still works");
        let cancelled = Row {
            voided_at: Some(now),
            ..row(now)
        };
        assert_eq!(cancelled.refusal(now), Some(Refused::Cancelled));
    }

    #[test]
    fn only_the_right_code_matches_its_row() {
        let now = Utc::now();
        assert!(row(now).matches(&OneTimeCode::parse("123456").unwrap()));
        assert!(!row(now).matches(&OneTimeCode::parse("123457").unwrap()));
    }

    #[test]
    fn the_wrong_code_message_says_how_many_tries_are_left() {
        assert!(Refused::Wrong { left: 3 }.to_string().contains("3회"));
    }
}
