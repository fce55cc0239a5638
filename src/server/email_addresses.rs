//! Proving that an address reaches its owner: at sign-up, again on request, and before a new
//! sign-in address takes effect (the old address is told once it has).

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    error::ServerError,
    notices,
    one_time_codes::{self, Purpose, Redeemed, Refused},
    outbox,
    reauthentication::{reauthenticate, Purpose as Reauthentication},
    session::UserSession,
    state::AppState,
    users, window_counter,
};
use crate::{
    domain::{CurrentUser, Email, EmailConfirmation, OneTimeCode},
    error::{AppError, FormErrors},
};

pub const EMAIL_TAKEN: &str = "이미 가입된 이메일입니다. 로그인하거나 다른 이메일을 사용해 주세요.";
pub const SAME_EMAIL: &str = "지금 사용 중인 이메일입니다. 바꿀 새 이메일을 입력해 주세요.";
pub const ALREADY_VERIFIED: &str = "이미 인증된 이메일입니다.";
pub const TAKEN_BEFORE_CONFIRMED: &str =
    "그 사이 다른 계정이 이 이메일로 가입했습니다. 다른 이메일로 다시 변경해 주세요.";

/// The codes a signed-in user types on the verification page.
const CONFIRM_PURPOSES: [Purpose; 2] = [Purpose::EmailVerification, Purpose::EmailChange];

/// Issues a verification code for the account's current address and queues its mail, in `tx`.
pub async fn send_verification(
    tx: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
    email: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    let issued =
        one_time_codes::issue(tx, user_id, Purpose::EmailVerification, Some(email)).await?;
    let mail = notices::email_verification(&state.public_url, email, name, &issued);
    outbox::queue_mail_until(tx, mail, issued.expires_at).await?;
    Ok(())
}

/// At most one mail a minute and five an hour per user and `kind`: asking again buys neither a
/// flood of mail nor more guesses at codes.
async fn limit_mails(state: &AppState, user: &CurrentUser, kind: &str) -> Result<(), AppError> {
    let id = user.id.to_string();
    let redis = &state.redis;
    if window_counter::exceeds(redis, &format!("{kind}:minute"), &id, 1, 60)
        .await
        .map_err(ServerError::from)?
        || window_counter::exceeds(redis, &format!("{kind}:hour"), &id, 5, 3600)
            .await
            .map_err(ServerError::from)?
    {
        return Err(AppError::TooManyRequests);
    }
    Ok(())
}

/// Sends a new verification mail (see [`limit_mails`]).
pub async fn resend_verification(state: &AppState, user: &CurrentUser) -> Result<(), AppError> {
    let account = users::find_account(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if account.email_verified {
        return Err(AppError::Form(FormErrors::new(ALREADY_VERIFIED)));
    }
    limit_mails(state, user, "verify_resend").await?;
    let mut tx = state.db.begin().await?;
    send_verification(&mut tx, state, user.id, &account.email, &account.name).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "verification mail sent again");
    Ok(())
}

/// Starts a change of the sign-in address: the new address gets a code and a link, and the
/// change takes effect only once one of them comes back.
pub async fn request_change(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    new_email: &Email,
    current_password: &str,
) -> Result<(), AppError> {
    reauthenticate(
        state,
        session,
        user,
        current_password,
        "current_password",
        Reauthentication::EmailChange,
    )
    .await?;
    let account = users::find_account(&state.db, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if account.email == new_email.as_str() {
        return Err(AppError::field("email", SAME_EMAIL));
    }
    if users::find_account_by_email(&state.db, new_email)
        .await?
        .is_some()
    {
        return Err(AppError::field("email", EMAIL_TAKEN));
    }
    limit_mails(state, user, "email_change").await?;
    let mut tx = state.db.begin().await?;
    // The current address hears of it at once: if this is not its owner, they know before the
    // new address can confirm (and a password reset cancels the change).
    let heads_up =
        notices::email_change_requested(&account.email, &account.name, new_email.as_str());
    outbox::queue_mail(&mut tx, heads_up).await?;
    let issued = one_time_codes::issue(
        &mut tx,
        user.id,
        Purpose::EmailChange,
        Some(new_email.as_str()),
    )
    .await?;
    let mail = notices::email_change(
        &state.public_url,
        new_email.as_str(),
        &account.name,
        &issued,
    );
    outbox::queue_mail_until(&mut tx, mail, issued.expires_at).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "e-mail change requested");
    Ok(())
}

/// Confirms the signed-in user's verification or change code.
pub async fn confirm_code(
    state: &AppState,
    session: &UserSession,
    user: &CurrentUser,
    code: &OneTimeCode,
) -> Result<EmailConfirmation, AppError> {
    let checked = one_time_codes::check_code(state, user.id, &CONFIRM_PURPOSES, code)
        .await
        .map_err(|e| e.at(Some("code")))?;
    let mut tx = state.db.begin().await?;
    let account = confirmable_account(&mut tx, checked.redeemed(), Some("code")).await?;
    let redeemed = one_time_codes::use_code(&mut tx, checked)
        .await
        .map_err(|e| e.at(Some("code")))?;
    finish(session, tx, account, redeemed, Some("code")).await
}

/// Confirms the code a mail's link names (the page the link opens posts it back).
pub async fn confirm_link(
    state: &AppState,
    session: &UserSession,
    token: &str,
) -> Result<EmailConfirmation, AppError> {
    let peeked = one_time_codes::peek_link(&state.db, token)
        .await?
        .map_err(|refusal| refusal.at(None))?;
    if !CONFIRM_PURPOSES.contains(&peeked.purpose) {
        return Err(Refused::BadLink.at(None));
    }
    let mut tx = state.db.begin().await?;
    let account = confirmable_account(&mut tx, &peeked, None).await?;
    let redeemed = one_time_codes::redeem_link(&mut tx, token)
        .await
        .map_err(|e| e.at(None))?;
    if redeemed.user_id != account.id {
        return Err(Refused::BadLink.at(None));
    }
    finish(session, tx, account, redeemed, None).await
}

/// What a link is for, without using it: the page it opens says so and asks for a click.
pub async fn describe_link(state: &AppState, token: &str) -> Result<EmailConfirmation, AppError> {
    match one_time_codes::peek_link(&state.db, token).await? {
        Ok(Redeemed {
            purpose: Purpose::EmailVerification,
            ..
        }) => Ok(EmailConfirmation::Verified),
        Ok(Redeemed {
            purpose: Purpose::EmailChange,
            new_email: Some(new_email),
            ..
        }) => Ok(EmailConfirmation::Changed { new_email }),
        Ok(_) => Err(Refused::BadLink.at(None)),
        Err(refusal) => Err(refusal.at(None)),
    }
}

/// The account a code confirms, if it may still be changed: not locked by an admin, inactive
/// or withdrawn (a change an intruder started must not land after the owner was helped).
/// Locked in `tx` before the code is used up (see `users::lock_account`).
async fn confirmable_account(
    tx: &mut sqlx::PgConnection,
    redeemed: &Redeemed,
    field: Option<&str>,
) -> Result<users::Account, AppError> {
    users::lock_account(tx, redeemed.user_id)
        .await?
        .filter(users::Account::may_keep_access)
        .ok_or_else(|| Refused::Cancelled.at(field))
}

async fn finish(
    session: &UserSession,
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    account: users::Account,
    redeemed: Redeemed,
    field: Option<&str>,
) -> Result<EmailConfirmation, AppError> {
    let user_id = account.id;
    let sent_to = redeemed.new_email.clone().unwrap_or_default();
    let confirmed = match redeemed.purpose {
        Purpose::EmailChange => {
            match users::update_email(&mut tx, user_id, &sent_to).await {
                Ok(()) => {}
                Err(users::AccountWriteError::EmailTaken) => {
                    return Err(AppError::Form(FormErrors::new(TAKEN_BEFORE_CONFIRMED)));
                }
                Err(users::AccountWriteError::Database(e)) => return Err(e.into()),
                Err(other @ users::AccountWriteError::PhoneNumberTaken) => {
                    tracing::error!(error = %other, "an e-mail change hit the phone index");
                    return Err(AppError::Internal);
                }
            }
            // Codes sent to the old address (a reset, say) must not work from it any more.
            one_time_codes::void_all(&mut tx, user_id).await?;
            let notice = notices::email_changed(&account.email, &account.name, &sent_to);
            outbox::queue_mail(&mut tx, notice).await?;
            EmailConfirmation::Changed {
                new_email: sent_to.clone(),
            }
        }
        _ => {
            // A code for an address the account no longer has proves nothing about this one.
            if sent_to != account.email {
                return Err(Refused::Cancelled.at(field));
            }
            sqlx::query("UPDATE users SET email_verified_at = now() WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            EmailConfirmation::Verified
        }
    };
    tx.commit().await?;
    // This browser, if it is the user's, shows the new address at once. The change is made: a
    // Redis failure now only leaves the old address on show until the next sign-in.
    if let EmailConfirmation::Changed { new_email } = &confirmed {
        if let Err(error) = show_new_address(session, user_id, new_email).await {
            tracing::warn!(error = ?error, "this browser's session still shows the old address");
        }
    }
    let what = match confirmed {
        EmailConfirmation::Verified => "verified",
        EmailConfirmation::Changed { .. } => "changed",
    };
    tracing::info!(user_id = %user_id, what, "e-mail confirmed");
    Ok(confirmed)
}

/// Puts the confirmed address into this browser's session, if it is the user's own.
async fn show_new_address(
    session: &UserSession,
    user_id: Uuid,
    new_email: &str,
) -> Result<(), ServerError> {
    match session.current_user().await? {
        Some(current) if current.id == user_id => {
            let updated = CurrentUser {
                email: new_email.to_owned(),
                ..current
            };
            session.update_user(&updated).await
        }
        _ => Ok(()),
    }
}
