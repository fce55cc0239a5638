//! Owner self-service: sign-up, profile edits, e-mail and password changes, withdrawal.
//! Each function takes parsed input, does the work, and returns what the user should read.

use super::{
    access, auth, devices, email_addresses,
    error::ServerError,
    notices,
    reauthentication::{reauthenticate, Purpose},
    session::UserSession,
    state::AppState,
    users::{self, AccountWriteError},
};
use crate::{
    domain::{
        forms::{NewOwner, OwnerDetails, StoreDetails},
        CurrentUser, Password, Profile, Role,
    },
    error::AppError,
};

pub use super::email_addresses::EMAIL_TAKEN;
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
    let mut tx = state.db.begin().await?;
    let id = users::create_owner(&mut tx, owner, &hash)
        .await
        .map_err(write_error)?;
    email_addresses::send_verification(
        &mut tx,
        state,
        id,
        owner.email.as_str(),
        owner.owner.name.as_str(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, "owner signed up");
    let user = CurrentUser {
        id,
        email: owner.email.as_str().to_owned(),
        role: Role::Owner,
        must_change_password: false,
    };
    // A new account: no change of its access can have happened yet.
    let access = state.access.for_new_session(id).await?;
    session.log_in(&user, access).await?;
    devices::remember_browser(state, id, &session.client()).await?;
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
            "phone_password",
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
    let account = users::find_account(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let mut tx = state.db.begin().await?;
    let revocation =
        users::set_password(&mut tx, &account, &hash, notices::PasswordChange::ByOwner).await?;
    tx.commit().await?;
    let Some((version, ended)) = access::revoke_committed(state, user.id, revocation).await else {
        // The password is changed; the outbox worker ends every session, this one too, once
        // Redis answers again (then the new password signs in).
        return Ok(());
    };
    let user = CurrentUser {
        must_change_password: false,
        ..user.clone()
    };
    session.continue_after_revocation(&user, version).await?;
    // An admin's change that committed just before ours: this session must not keep the old
    // role or status.
    if !auth::still_has_access(state, &user, Some(&hash)).await? {
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
    access::revoke_committed(state, user.id, revocation).await;
    // The withdrawal stands whatever happens here: the revocation above (or the outbox
    // worker's) ends this session too.
    if let Err(error) = session.log_out().await {
        tracing::warn!(user_id = %user.id, error = ?error, "the withdrawn session ends by revocation");
    }
    tracing::info!(user_id = %user.id, "owner withdrew");
    Ok(())
}
