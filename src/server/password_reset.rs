//! "Forgot password": a code and a link by e-mail (or a recovery code from an admin), and a new
//! password set with either. The answer to a request never says whether the address has an
//! account.

use super::{
    access,
    client::Client,
    devices,
    error::ServerError,
    lockout, notices,
    one_time_codes::{self, Purpose, RedeemError, Redeemed, Refused},
    outbox,
    state::AppState,
    users::{self, Account},
    window_counter,
};
use crate::{
    domain::{forms::ResetProof, Email, Password},
    error::AppError,
};

/// Requests for one e-mail address from one client address per 15 minutes (then 429 for that
/// client only: a stranger cannot use up the owner's requests).
const REQUESTS_PER_EMAIL_AND_CLIENT_PER_15_MINUTES: i64 = 3;
/// Mails to one address per hour, from all clients together: past it, requests are answered as
/// usual and nothing is sent (a mailbox is not to be flooded, and the answer says nothing).
const MAILS_PER_EMAIL_PER_HOUR: i64 = 10;

/// The codes a reset accepts: the e-mailed one and an admin's recovery code.
const RESET_PURPOSES: [Purpose; 2] = [Purpose::PasswordReset, Purpose::AdminRecovery];

/// Sends a reset code to `email` if an account there may recover; says nothing either way.
#[tracing::instrument(name = "password reset request", skip_all, fields(address = ?client.address))]
pub async fn request(state: &AppState, client: &Client, email: &Email) -> Result<(), AppError> {
    let redis = &state.redis;
    let address = client.rate_limit_key();
    let per_hour = i64::from(state.throttle.settings.recovery_per_hour);
    let from_this_client = format!("{}:{address}", email.as_str());
    if window_counter::exceeds(redis, "reset_request:address", &address, per_hour, 3600)
        .await
        .map_err(ServerError::from)?
        || window_counter::exceeds(
            redis,
            "reset_request:email_client",
            &from_this_client,
            REQUESTS_PER_EMAIL_AND_CLIENT_PER_15_MINUTES,
            900,
        )
        .await
        .map_err(ServerError::from)?
    {
        tracing::warn!("throttled");
        return Err(AppError::TooManyRequests);
    }
    if window_counter::exceeds(
        redis,
        "reset_request:email",
        email.as_str(),
        MAILS_PER_EMAIL_PER_HOUR,
        3600,
    )
    .await
    .map_err(ServerError::from)?
    {
        tracing::warn!(sent = false, "mailbox limit reached");
        return Ok(());
    }
    let account = users::find_account_by_email(&state.db, email).await?;
    let Some(account) = account.filter(Account::may_keep_access) else {
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

/// A proof checked without using it up: the account, and what will use it up.
struct Proven {
    account: Account,
    redemption: Redemption,
}

enum Redemption {
    /// A typed code, checked.
    Code(one_time_codes::Checked),
    /// The mail's link.
    Link(String),
}

impl Redemption {
    /// Where a refusal shows: at the code field, or above the form for a link nobody typed.
    fn field(&self) -> Option<&'static str> {
        match self {
            Redemption::Code(_) => Some("code"),
            Redemption::Link(_) => None,
        }
    }

    async fn use_up(self, tx: &mut sqlx::PgConnection) -> Result<Redeemed, RedeemError> {
        match self {
            Redemption::Code(checked) => one_time_codes::use_code(tx, checked).await,
            Redemption::Link(token) => one_time_codes::redeem_link(tx, &token).await,
        }
    }
}

/// Checks the proof before anything else, so that nothing (whether the address has an account,
/// its owner's name through the password rules, the time a hash takes) shows before a right
/// code or link: a wrong code for an unknown address reads like any wrong code.
async fn prove(state: &AppState, proof: &ResetProof) -> Result<Proven, AppError> {
    match proof {
        ResetProof::Code(email, code) => {
            let wrong = || AppError::field("code", Refused::Unknown);
            let Some(account) = users::find_account_by_email(&state.db, email)
                .await?
                .filter(Account::may_keep_access)
            else {
                return Err(wrong());
            };
            let checked = one_time_codes::check_code(state, account.id, &RESET_PURPOSES, code)
                .await
                .map_err(|error| match error {
                    // Nobody who lacks the code learns more than "wrong" (not that the account
                    // exists, has a code, or has been guessed at).
                    RedeemError::Refused(
                        Refused::Wrong { .. }
                        | Refused::Unknown
                        | Refused::Locked
                        | Refused::TooManyGuesses,
                    ) => wrong(),
                    other => other.at(Some("code")),
                })?;
            Ok(Proven {
                account,
                redemption: Redemption::Code(checked),
            })
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
                .filter(Account::may_keep_access)
                .ok_or_else(|| Refused::BadLink.at(None))?;
            Ok(Proven {
                account,
                redemption: Redemption::Link(token.clone()),
            })
        }
    }
}

/// Sets a new password with a code or link: every session ends, an automatic lock is lifted,
/// the codes left are voided, the browsers the account knew are forgotten (one of them may be
/// the intruder's), and the owner is told by e-mail.
#[tracing::instrument(name = "password reset", skip_all, fields(address = ?client.address, user_id = tracing::field::Empty))]
pub async fn reset(
    state: &AppState,
    client: &Client,
    proof: ResetProof,
    new_password: &Password,
) -> Result<(), AppError> {
    let per_hour = i64::from(state.throttle.settings.recovery_per_hour);
    if window_counter::exceeds(
        &state.redis,
        "reset_attempt:address",
        &client.rate_limit_key(),
        per_hour,
        3600,
    )
    .await
    .map_err(ServerError::from)?
    {
        tracing::warn!("throttled");
        return Err(AppError::TooManyRequests);
    }
    let Proven {
        account,
        redemption,
    } = prove(state, &proof).await.inspect_err(|error| {
        tracing::info!(outcome = "refused", reason = %error, "password reset attempt");
    })?;
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
    let field = redemption.field();
    // The account is locked before its code is used up (see `users::lock_account`), and must
    // still be allowed in: an admin may have taken access away while the password was hashed.
    let account = users::lock_account(&mut tx, account.id)
        .await?
        .filter(Account::may_keep_access)
        .ok_or_else(|| Refused::Cancelled.at(field))?;
    let redeemed = match redemption.use_up(&mut tx).await {
        Ok(redeemed) if redeemed.user_id == account.id => redeemed,
        Ok(_) => return Err(Refused::BadLink.at(field)),
        Err(error) => return Err(error.at(field)),
    };
    let revocation =
        users::set_password(&mut tx, &account, &hash, notices::PasswordChange::ByReset).await?;
    devices::forget_all(&mut tx, account.id).await?;
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
    access::revoke_committed(state, account.id, revocation).await;
    // The password is set: a Redis failure now must not tell the owner it failed (trying again
    // would find the code used). The count lapses by itself within its window.
    if let Err(error) = lockout::forget_account_failures(state, account.id).await {
        tracing::warn!(error = ?error, "the failed sign-ins of a reset account could not be forgotten");
    }
    tracing::info!(
        outcome = "success",
        purpose = redeemed.purpose.as_str(),
        "password reset attempt"
    );
    Ok(())
}
