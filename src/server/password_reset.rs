//! "Forgot password": a code and a link by e-mail (or a recovery code from an admin), and a new
//! password set with either. The answer to a request never says whether the address has an
//! account.

use super::{
    access,
    client::Client,
    error::ServerError,
    lockout, notices,
    one_time_codes::{self, Purpose, Refused},
    outbox,
    state::AppState,
    users::{self, Account},
    window_counter,
};
use crate::{
    domain::{forms::ResetProof, Email, Password},
    error::AppError,
};

/// Requests for one address per 15 minutes: a mailbox is not to be flooded. (Per client
/// address, requests and attempts are limited by `RECOVERY_LIMIT_PER_HOUR`; each code also
/// voids after 10 wrong guesses.)
const REQUESTS_PER_EMAIL_PER_15_MINUTES: i64 = 3;

/// The codes a reset accepts: the e-mailed one and an admin's recovery code.
const RESET_PURPOSES: [Purpose; 2] = users::RESET_PURPOSES;

async fn throttled(
    state: &AppState,
    name: &str,
    subject: &str,
    limit: i64,
    window_seconds: i64,
) -> Result<bool, ServerError> {
    Ok(window_counter::exceeds(&state.redis, name, subject, limit, window_seconds).await?)
}

fn address_of(client: &Client) -> String {
    client
        .address
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

/// Sends a reset code to `email` if an account there may recover; says nothing either way.
#[tracing::instrument(name = "password reset request", skip_all, fields(address = ?client.address))]
pub async fn request(state: &AppState, client: &Client, email: &Email) -> Result<(), AppError> {
    let per_hour = i64::from(state.throttle.settings.recovery_per_hour);
    if throttled(
        state,
        "reset_request:address",
        &address_of(client),
        per_hour,
        3600,
    )
    .await?
        || throttled(
            state,
            "reset_request:email",
            email.as_str(),
            REQUESTS_PER_EMAIL_PER_15_MINUTES,
            900,
        )
        .await?
    {
        tracing::warn!("throttled");
        return Err(AppError::TooManyRequests);
    }
    let account = users::find_account_by_email(&state.db, email).await?;
    let Some(account) = account.filter(Account::may_recover) else {
        tracing::info!(sent = false, "no account that may recover at that address");
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    let issued = one_time_codes::issue(&mut tx, account.id, Purpose::PasswordReset, None).await?;
    let mail = notices::password_reset(&state.public_url, &account.email, &account.name, &issued);
    outbox::queue_mail_until(&mut tx, mail, issued.expires_at).await?;
    tx.commit().await?;
    tracing::info!(user_id = %account.id, sent = true, "reset code sent");
    Ok(())
}

/// Who the proof names, before anything is used up: the account, and the field a refusal of
/// the proof belongs to (none for a link: it is not typed).
async fn account_for(
    state: &AppState,
    proof: &ResetProof,
) -> Result<(Account, Option<&'static str>), AppError> {
    match proof {
        ResetProof::Code(email, _) => {
            let account = users::find_account_by_email(&state.db, email)
                .await?
                .filter(Account::may_recover)
                .ok_or_else(|| AppError::field("code", Refused::Unknown))?;
            Ok((account, Some("code")))
        }
        ResetProof::Link(token) => {
            let redeemed = one_time_codes::peek_link(&state.db, token)
                .await?
                .map_err(|refusal| refusal.at(None))?;
            if redeemed.purpose != Purpose::PasswordReset {
                return Err(Refused::BadLink.at(None));
            }
            let account = users::find_account(&state.db, redeemed.user_id)
                .await?
                .filter(Account::may_recover)
                .ok_or_else(|| Refused::BadLink.at(None))?;
            Ok((account, None))
        }
    }
}

/// Sets a new password with a code or link: every session ends, an automatic lock is lifted,
/// the codes left are voided, and the owner is told by e-mail.
#[tracing::instrument(name = "password reset", skip_all, fields(address = ?client.address, user_id = tracing::field::Empty))]
pub async fn reset(
    state: &AppState,
    client: &Client,
    proof: ResetProof,
    new_password: &Password,
) -> Result<(), AppError> {
    let per_hour = i64::from(state.throttle.settings.recovery_per_hour);
    if throttled(
        state,
        "reset_attempt:address",
        &address_of(client),
        per_hour,
        3600,
    )
    .await?
    {
        tracing::warn!("throttled");
        return Err(AppError::TooManyRequests);
    }
    let (account, field) = account_for(state, &proof).await?;
    tracing::Span::current().record("user_id", tracing::field::display(account.id));
    // The rules once more with the account's own e-mail and name (a link names no e-mail).
    let password = Password::parse_for_account(
        new_password.expose(),
        &account.email,
        &[account.name.as_str()],
    )
    .map_err(|e| AppError::field("new_password", e))?;
    let hash = state.hasher.hash(&password).await?;
    let mut tx = state.db.begin().await?;
    let redeemed = match &proof {
        ResetProof::Code(_, code) => {
            one_time_codes::redeem_code(&state.db, &mut tx, account.id, &RESET_PURPOSES, code).await
        }
        ResetProof::Link(token) => one_time_codes::redeem_link(&mut tx, token).await,
    };
    let redeemed = match redeemed {
        Ok(redeemed) if redeemed.user_id == account.id => redeemed,
        Ok(_) => return Err(Refused::BadLink.at(field)),
        Err(error) => {
            tracing::info!(outcome = "refused", reason = %error, "password reset attempt");
            return Err(error.at(field));
        }
    };
    let revocation =
        users::set_password(&mut tx, &account, &hash, notices::PasswordChange::ByReset).await?;
    // A code that came by mail proves the address too.
    if redeemed.purpose == Purpose::PasswordReset {
        sqlx::query(
            "UPDATE users SET email_verified_at = now() WHERE id = $1 AND email_verified_at IS NULL",
        )
        .bind(account.id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    access::revoke_committed(state, account.id, revocation).await?;
    lockout::forget_account_failures(state, account.id).await?;
    tracing::info!(
        outcome = "success",
        purpose = redeemed.purpose.as_str(),
        "password reset attempt"
    );
    Ok(())
}
