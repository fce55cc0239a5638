//! Owner self-service: sign-up, profile edits, e-mail and password changes, withdrawal.
//! Each function takes parsed input, does the work, and returns what the user should read.

use secrecy::SecretString;
use uuid::Uuid;

use super::{
    error::ServerError,
    session::UserSession,
    state::AppState,
    users::{self, AccountWriteError},
};
use crate::{
    domain::{
        forms::{NewOwner, OwnerDetails, StoreDetails},
        CurrentUser, Email, Password, Profile, Role,
    },
    error::AppError,
};

pub const EMAIL_TAKEN: &str = "이미 가입된 이메일입니다. 로그인하거나 다른 이메일을 사용해 주세요.";
pub const PHONE_TAKEN: &str = "이미 등록된 휴대폰 번호입니다.";
pub const WRONG_PASSWORD: &str = "비밀번호가 올바르지 않습니다.";

fn write_error(error: AccountWriteError) -> AppError {
    match error {
        AccountWriteError::EmailTaken => AppError::field("email", EMAIL_TAKEN),
        AccountWriteError::PhoneNumberTaken => AppError::field("phone_number", PHONE_TAKEN),
        AccountWriteError::Database(e) => ServerError::from(e).into(),
    }
}

/// Creates the owner and their store, and signs them in.
#[tracing::instrument(name = "sign up", skip_all)]
pub async fn sign_up(
    state: &AppState,
    session: &UserSession,
    owner: &NewOwner,
) -> Result<CurrentUser, AppError> {
    let hash = state.hasher.hash(&owner.password).await?;
    let id = users::create_owner(&state.db, owner, &hash)
        .await
        .map_err(write_error)?;
    tracing::info!(user_id = %id, "owner signed up");
    let user = CurrentUser {
        id,
        email: owner.email.as_str().to_owned(),
        role: Role::Owner,
    };
    session.log_in(&user).await?;
    Ok(user)
}

pub async fn profile(state: &AppState, user: &CurrentUser) -> Result<Profile, AppError> {
    users::find_profile(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Checks the signed-in user's password again before a sensitive change; a wrong one is an
/// error at `field`.
pub async fn reauthenticate(
    state: &AppState,
    user_id: Uuid,
    password: &str,
    field: &str,
) -> Result<(), AppError> {
    if password.is_empty() {
        return Err(AppError::field(field, "비밀번호를 입력해 주세요."));
    }
    let hash = users::password_hash(&state.db, user_id).await?;
    if state
        .hasher
        .verify(SecretString::from(password), hash)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::field(field, WRONG_PASSWORD))
    }
}

pub async fn update_owner(
    state: &AppState,
    user: &CurrentUser,
    owner: &OwnerDetails,
) -> Result<(), AppError> {
    users::update_owner(&state.db, user.id, owner)
        .await
        .map_err(write_error)
}

pub async fn update_store(
    state: &AppState,
    user: &CurrentUser,
    store: &StoreDetails,
) -> Result<(), AppError> {
    if users::update_store(&state.db, user.id, store).await? {
        Ok(())
    } else {
        Err(AppError::Form(crate::error::FormErrors::new(
            "이 계정에는 등록된 매장이 없습니다.",
        )))
    }
}

/// Changes the sign-in e-mail after checking the password, and updates the session.
pub async fn change_email(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    email: &Email,
    current_password: &str,
) -> Result<(), AppError> {
    reauthenticate(state, user.id, current_password, "current_password").await?;
    users::update_email(&state.db, user.id, email)
        .await
        .map_err(write_error)?;
    let updated = CurrentUser {
        email: email.as_str().to_owned(),
        ..user.clone()
    };
    session.update_user(&updated).await?;
    tracing::info!(user_id = %user.id, "e-mail changed");
    Ok(())
}

/// Sets a new password, gives this session a new id and ends every other session.
pub async fn change_password(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    current_password: &str,
    new_password: &Password,
) -> Result<(), AppError> {
    reauthenticate(state, user.id, current_password, "current_password").await?;
    let hash = state.hasher.hash(new_password).await?;
    users::update_password_hash(&state.db, user.id, &hash).await?;
    session.renew(user).await?;
    let ended = session.end_other_sessions(user).await?;
    tracing::info!(user_id = %user.id, other_sessions_ended = ended, "password changed");
    Ok(())
}

/// Withdraws an owner for good and ends every session of theirs.
pub async fn withdraw(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    password: &str,
) -> Result<(), AppError> {
    if user.role != Role::Owner {
        return Err(AppError::Form(crate::error::FormErrors::new(
            "관리자 계정은 이 화면에서 탈퇴할 수 없습니다.",
        )));
    }
    reauthenticate(state, user.id, password, "password").await?;
    users::withdraw(&state.db, user.id).await?;
    state.sessions.end_all(user.id, None).await?;
    session.log_out().await?;
    tracing::info!(user_id = %user.id, "owner withdrew");
    Ok(())
}
