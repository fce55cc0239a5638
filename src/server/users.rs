//! SQL for the `users` and `stores` tables. Races end at the database's named unique indexes,
//! which are mapped to the field they protect, never at a SELECT done first.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    audit, lockout, notices, one_time_codes,
    outbox::{self, Pending},
};
use crate::domain::{
    forms::{NewOwner, OwnerDetails, StoreDetails},
    Email, PersonName, PhoneNumber, Profile, Role, StoreProfile, UserStatus,
};

/// What sign-in needs to know about an account.
pub struct StoredCredentials {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    /// When a lock from failed sign-ins ends; None for an admin's lock (or no lock).
    pub locked_until: Option<DateTime<Utc>>,
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    id: Uuid,
    email: String,
    role: String,
    status: String,
    locked_until: Option<DateTime<Utc>>,
    password_hash: String,
    must_change_password: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoredDataError {
    #[error("a row holds a value the application does not know: {0}")]
    UnknownValue(String),
}

fn decode_error(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(StoredDataError::UnknownValue(e.to_string())))
}

fn parse_role(raw: &str) -> Result<Role, sqlx::Error> {
    raw.parse().map_err(decode_error)
}

#[tracing::instrument(name = "find credentials", skip_all)]
pub async fn find_credentials(
    db: &PgPool,
    email: &Email,
) -> Result<Option<StoredCredentials>, sqlx::Error> {
    let row = sqlx::query_as::<_, CredentialsRow>(
        "SELECT id, email, role, status, locked_until, password_hash, must_change_password
         FROM users WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok(StoredCredentials {
            id: row.id,
            email: row.email,
            role: parse_role(&row.role)?,
            status: row.status.parse::<UserStatus>().map_err(decode_error)?,
            locked_until: row.locked_until,
            password_hash: row.password_hash,
            must_change_password: row.must_change_password,
        })
    })
    .transpose()
}

/// Who an account is, for the recovery flows.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    pub locked_until: Option<DateTime<Utc>>,
    pub email_verified: bool,
}

impl Account {
    /// Whether the account may keep its sessions, and so set a new password through a code or
    /// confirm an address (an automatic lock is lifted by the reset). Not an admin's lock,
    /// INACTIVE or WITHDRAWN.
    pub fn may_keep_access(&self) -> bool {
        lockout::may_keep_access(self.status, self.locked_until)
    }
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    name: String,
    email: String,
    role: String,
    status: String,
    locked_until: Option<DateTime<Utc>>,
    email_verified: bool,
}

const SELECT_ACCOUNT: &str = "SELECT id, name, email, role, status, locked_until,
       email_verified_at IS NOT NULL AS email_verified FROM users";

fn account(row: AccountRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.id,
        name: row.name,
        email: row.email,
        role: parse_role(&row.role)?,
        status: row.status.parse::<UserStatus>().map_err(decode_error)?,
        locked_until: row.locked_until,
        email_verified: row.email_verified,
    })
}

pub async fn find_account_by_email(
    db: &PgPool,
    email: &Email,
) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as::<_, AccountRow>(&format!("{SELECT_ACCOUNT} WHERE email = $1"))
        .bind(email.as_str())
        .fetch_optional(db)
        .await?
        .map(account)
        .transpose()
}

pub async fn find_account(db: &PgPool, user_id: Uuid) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as::<_, AccountRow>(&format!("{SELECT_ACCOUNT} WHERE id = $1"))
        .bind(user_id)
        .fetch_optional(db)
        .await?
        .map(account)
        .transpose()
}

/// The account `user_id`, its row locked until `tx` ends. A change that also touches the
/// user's codes takes this first: every such change then locks the user before the codes (an
/// admin's change and a password change do, by updating the row first), so two of them wait
/// for each other instead of deadlocking; and what the change decides on is read under the
/// lock, not before it.
pub async fn lock_account(
    tx: &mut PgConnection,
    user_id: Uuid,
) -> Result<Option<Account>, sqlx::Error> {
    sqlx::query_as::<_, AccountRow>(&format!("{SELECT_ACCOUNT} WHERE id = $1 FOR UPDATE"))
        .bind(user_id)
        .fetch_optional(tx)
        .await?
        .map(account)
        .transpose()
}

/// The password hash of an account that may use its sessions (see `lockout::may_keep_access`).
pub async fn password_hash(db: &PgPool, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(&format!(
        "SELECT password_hash FROM users WHERE id = $1 AND {}",
        lockout::MAY_KEEP_ACCESS_SQL
    ))
    .bind(user_id)
    .fetch_optional(db)
    .await
}

pub async fn record_sign_in(db: &PgPool, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = now() WHERE id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum AccountWriteError {
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error("an account with this phone number already exists")]
    PhoneNumberTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Turns a violation of one of the named unique indexes into the field it protects.
pub fn classify_unique_violation(error: sqlx::Error) -> AccountWriteError {
    let constraint = error
        .as_database_error()
        .filter(|e| e.is_unique_violation())
        .and_then(|e| e.constraint().map(str::to_owned));
    match constraint.as_deref() {
        Some("idx_users_email") => AccountWriteError::EmailTaken,
        Some("idx_users_phone_number") => AccountWriteError::PhoneNumberTaken,
        _ => AccountWriteError::Database(error),
    }
}

/// An account with no store: admins are created from the command line.
pub struct NewAdmin {
    pub name: PersonName,
    pub email: Email,
    pub phone_number: PhoneNumber,
    pub password_hash: String,
}

pub async fn create_admin(db: &PgPool, admin: &NewAdmin) -> Result<Uuid, AccountWriteError> {
    sqlx::query_scalar::<_, Uuid>(
        "INSERT INTO users (name, phone_number, email, password_hash, role, status, email_verified_at)
         VALUES ($1, $2, $3, $4, 'ADMIN', 'ACTIVE', now())
         RETURNING id",
    )
    .bind(admin.name.as_str())
    .bind(admin.phone_number.as_str())
    .bind(admin.email.as_str())
    .bind(&admin.password_hash)
    .fetch_one(db)
    .await
    .map_err(classify_unique_violation)
}

/// Creates an ACTIVE owner and their store in the caller's transaction: never a user without a
/// store.
#[tracing::instrument(name = "create owner", skip_all)]
pub async fn create_owner(
    tx: &mut PgConnection,
    owner: &NewOwner,
    password_hash: &str,
) -> Result<Uuid, AccountWriteError> {
    let id = sqlx::query_scalar::<_, Uuid>(
        "INSERT INTO users (name, phone_number, email, password_hash, role, status)
         VALUES ($1, $2, $3, $4, 'OWNER', 'ACTIVE')
         RETURNING id",
    )
    .bind(owner.owner.name.as_str())
    .bind(owner.owner.phone_number.as_str())
    .bind(owner.email.as_str())
    .bind(password_hash)
    .fetch_one(&mut *tx)
    .await
    .map_err(classify_unique_violation)?;
    sqlx::query(
        "INSERT INTO stores (user_id, name, industry, address, business_hours)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(owner.store.name.as_str())
    .bind(owner.store.industry.as_str())
    .bind(owner.store.address.as_str())
    .bind(owner.store.business_hours.as_deref())
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    name: String,
    email: String,
    phone_number: String,
    role: String,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    store_name: Option<String>,
    industry: Option<String>,
    address: Option<String>,
    business_hours: Option<String>,
    store_updated_at: Option<DateTime<Utc>>,
    email_verified: bool,
    pending_email: Option<String>,
}

pub async fn find_profile(db: &PgPool, user_id: Uuid) -> Result<Option<Profile>, sqlx::Error> {
    let row = sqlx::query_as::<_, ProfileRow>(
        "SELECT u.name, u.email, u.phone_number, u.role, u.created_at, u.last_login_at,
                u.updated_at, s.name AS store_name, s.industry, s.address, s.business_hours,
                s.updated_at AS store_updated_at, u.email_verified_at IS NOT NULL AS email_verified,
                (SELECT c.new_email FROM one_time_codes c
                  WHERE c.user_id = u.id AND c.purpose = 'EMAIL_CHANGE' AND c.used_at IS NULL
                    AND c.voided_at IS NULL AND c.expires_at > now()
                  ORDER BY c.created_at DESC LIMIT 1) AS pending_email
         FROM users u LEFT JOIN stores s ON s.user_id = u.id
         WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let store = match (
            row.store_name,
            row.industry,
            row.address,
            row.store_updated_at,
        ) {
            (Some(name), Some(industry), Some(address), Some(updated_at)) => Some(StoreProfile {
                name,
                industry,
                address,
                business_hours: row.business_hours,
                updated_at,
            }),
            _ => None,
        };
        Ok(Profile {
            name: row.name,
            email: row.email,
            phone_number: row.phone_number,
            role: parse_role(&row.role)?,
            created_at: row.created_at,
            last_login_at: row.last_login_at,
            updated_at: row.updated_at,
            store,
            email_verified: row.email_verified,
            pending_email: row.pending_email,
        })
    })
    .transpose()
}

pub async fn update_owner(
    db: &PgPool,
    user_id: Uuid,
    owner: &OwnerDetails,
) -> Result<(), AccountWriteError> {
    sqlx::query("UPDATE users SET name = $2, phone_number = $3 WHERE id = $1")
        .bind(user_id)
        .bind(owner.name.as_str())
        .bind(owner.phone_number.as_str())
        .execute(db)
        .await
        .map_err(classify_unique_violation)?;
    Ok(())
}

/// Moves the account to a confirmed new address (verified by that confirmation), in `tx`.
pub async fn update_email(
    tx: &mut PgConnection,
    user_id: Uuid,
    email: &str,
) -> Result<(), AccountWriteError> {
    sqlx::query("UPDATE users SET email = $2, email_verified_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(email)
        .execute(tx)
        .await
        .map_err(classify_unique_violation)?;
    Ok(())
}

/// Returns false when the user has no store (an admin).
pub async fn update_store(
    db: &PgPool,
    user_id: Uuid,
    store: &StoreDetails,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE stores SET name = $2, industry = $3, address = $4, business_hours = $5
         WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(store.name.as_str())
    .bind(store.industry.as_str())
    .bind(store.address.as_str())
    .bind(store.business_hours.as_deref())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Writes a new password hash in `tx`, with what every password change brings: no more "must
/// change password", no automatic lock, no unused code of any kind (a pending address change
/// an intruder started is cancelled too), a notice to the owner, and the end of every session
/// of the user queued (the caller does it after the commit, see
/// `server::access::revoke_committed`).
pub async fn set_password(
    tx: &mut PgConnection,
    account: &Account,
    hash: &str,
    how: notices::PasswordChange,
) -> Result<Pending, sqlx::Error> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = false,
                status = CASE WHEN status = 'LOCKED' AND locked_until IS NOT NULL
                              THEN 'ACTIVE' ELSE status END,
                locked_until = NULL
         WHERE id = $1",
    )
    .bind(account.id)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    one_time_codes::void_all(tx, account.id).await?;
    let notice = notices::password_changed(&account.email, &account.name, how, Utc::now());
    outbox::queue_mail(tx, notice).await?;
    outbox::queue_revocation(tx, account.id).await
}

pub async fn phone_number(db: &PgPool, user_id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT phone_number FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Withdraws an owner: WITHDRAWN for good, and the personal data in the user and store rows
/// replaced by placeholders, so the e-mail and phone number are free again (개인정보 파기).
/// The password hash becomes a value no password matches; the audit log keeps the id only;
/// the account's known browsers are forgotten; the end of its sessions is queued.
pub async fn withdraw(db: &PgPool, user_id: Uuid) -> Result<Pending, sqlx::Error> {
    let mut tx = db.begin().await?;
    // Unique placeholders derived from the id: `withdrawn-<id>@withdrawn.invalid` and
    // `W-<first 18 hex digits of the id>`, which fits VARCHAR(20).
    sqlx::query(
        "UPDATE users
         SET status = 'WITHDRAWN',
             name = '탈퇴한 회원',
             email = 'withdrawn-' || replace(id::text, '-', '') || '@withdrawn.invalid',
             phone_number = 'W-' || left(replace(id::text, '-', ''), 18),
             password_hash = '!withdrawn'
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE stores
         SET name = '탈퇴한 회원의 매장', industry = '-', address = '-', business_hours = NULL
         WHERE user_id = $1",
    )
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    audit::forget_personal_data(&mut tx, user_id).await?;
    sqlx::query("DELETE FROM known_devices WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    // A pending address change would otherwise write a real address back into the row.
    sqlx::query("DELETE FROM one_time_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let revocation = outbox::queue_revocation(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(revocation)
}
