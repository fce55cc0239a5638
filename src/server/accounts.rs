//! Owner self-service: sign-up, profile edits, e-mail and password changes, withdrawal.
//! Each function takes parsed input, does the work, and returns what the user should read.

use super::{
    access, auth, devices,
    error::ServerError,
    reauthentication::{reauthenticate, Purpose},
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
    devices::after_sign_in(state, id, None, &session.client()).await?;
    Ok(user)
}

pub async fn profile(state: &AppState, user: &CurrentUser) -> Result<Profile, AppError> {
    users::find_profile(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Changes the owner's name and phone number; a new phone number needs the current password,
/// like a new e-mail (either one could be used to take the account over).
pub async fn update_owner(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    owner: &OwnerDetails,
    current_password: &str,
) -> Result<(), AppError> {
    let stored_phone = users::phone_number(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if stored_phone != owner.phone_number.as_str() {
        reauthenticate(
            state,
            session,
            user,
            current_password,
            "current_password",
            Purpose::PhoneChange,
        )
        .await?;
    }
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
    reauthenticate(
        state,
        session,
        user,
        current_password,
        "current_password",
        Purpose::EmailChange,
    )
    .await?;
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

/// Sets a new password and ends every session of the user, this browser's included, which then
/// continues under a new session id (a session that raced the change cannot survive it).
pub async fn change_password(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    current_password: &str,
    new_password: &Password,
) -> Result<(), AppError> {
    reauthenticate(
        state,
        session,
        user,
        current_password,
        "current_password",
        Purpose::PasswordChange,
    )
    .await?;
    let hash = state.hasher.hash(new_password).await?;
    let revocation = users::update_password_hash(&state.db, user.id, &hash).await?;
    let (version, ended) = access::revoke_committed(state, user.id, revocation).await?;
    session.continue_after_revocation(user, version).await?;
    // An admin's change that committed just before ours: this session must not keep the old
    // role or status.
    if !auth::still_has_access(state, user).await? {
        session.log_out().await?;
        return Err(AppError::Unauthenticated);
    }
    tracing::info!(user_id = %user.id, other_sessions_ended = ended.saturating_sub(1), "password changed");
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
    reauthenticate(
        state,
        session,
        user,
        password,
        "password",
        Purpose::Withdrawal,
    )
    .await?;
    let revocation = users::withdraw(&state.db, user.id).await?;
    access::revoke_committed(state, user.id, revocation).await?;
    session.log_out().await?;
    tracing::info!(user_id = %user.id, "owner withdrew");
    Ok(())
}
