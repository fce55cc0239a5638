//! SQL for the `users` table. Races end at the database's named unique indexes, which are
//! mapped to the field they protect, never at a SELECT done first.

use sqlx::PgPool;
use uuid::Uuid;

use crate::domain::{Email, PersonName, PhoneNumber, Role, UserStatus};

/// What sign-in needs to know about an account.
pub struct StoredCredentials {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub status: UserStatus,
    pub password_hash: String,
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    id: Uuid,
    email: String,
    role: String,
    status: String,
    password_hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StoredDataError {
    #[error("a row holds a value the application does not know: {0}")]
    UnknownValue(String),
}

#[tracing::instrument(name = "find credentials", skip_all)]
pub async fn find_credentials(
    db: &PgPool,
    email: &Email,
) -> Result<Option<StoredCredentials>, sqlx::Error> {
    let row = sqlx::query_as::<_, CredentialsRow>(
        "SELECT id, email, role, status, password_hash FROM users WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        let role = row.role.parse::<Role>().map_err(decode_error)?;
        let status = row.status.parse::<UserStatus>().map_err(decode_error)?;
        Ok(StoredCredentials {
            id: row.id,
            email: row.email,
            role,
            status,
            password_hash: row.password_hash,
        })
    })
    .transpose()
}

fn decode_error(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(StoredDataError::UnknownValue(e.to_string())))
}

pub async fn record_sign_in(db: &PgPool, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = now() WHERE id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// An account with no store: admins are created from the command line.
pub struct NewAdmin {
    pub name: PersonName,
    pub email: Email,
    pub phone_number: PhoneNumber,
    pub password_hash: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error("an account with this phone number already exists")]
    PhoneNumberTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Turns a violation of one of the named unique indexes into the field it protects.
pub fn classify_unique_violation(error: sqlx::Error) -> CreateUserError {
    let constraint = error
        .as_database_error()
        .filter(|e| e.is_unique_violation())
        .and_then(|e| e.constraint().map(str::to_owned));
    match constraint.as_deref() {
        Some("idx_users_email") => CreateUserError::EmailTaken,
        Some("idx_users_phone_number") => CreateUserError::PhoneNumberTaken,
        _ => CreateUserError::Database(error),
    }
}

pub async fn create_admin(db: &PgPool, admin: &NewAdmin) -> Result<Uuid, CreateUserError> {
    sqlx::query_scalar::<_, Uuid>(
        "INSERT INTO users (name, phone_number, email, password_hash, role, status)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(admin.name.as_str())
    .bind(admin.phone_number.as_str())
    .bind(admin.email.as_str())
    .bind(&admin.password_hash)
    .bind(Role::Admin.as_str())
    .bind(UserStatus::Active.as_str())
    .fetch_one(db)
    .await
    .map_err(classify_unique_violation)
}
