//! Helping an owner who cannot get in, from their page: a one-time recovery code to read out
//! over the phone, and "must change password at next sign-in".

use leptos::{either::Either, prelude::*};
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::{
    components::{action_errors, FormAlert},
    domain::{
        admin::{RecoveryCode, RECOVERY_NEEDS_ACCESS},
        format_kst,
    },
    error::AppError,
    page_data::{data_view, page_resource, AsciiJson},
};

/// Issues a recovery code (valid 12 hours, replacing any earlier one) and comes back to the
/// user's page, which shows it once.
#[server(endpoint = "admin/users/recovery-code")]
pub async fn issue_recovery_code(#[server(default)] user_id: String) -> Result<(), AppError> {
    use super::actions::parse_user_id;
    use crate::server::{admin_recovery, auth, context::respond};
    respond(async move {
        let actor = auth::require_admin().await?;
        let user_id = parse_user_id(&user_id)?;
        let handle = admin_recovery::issue_recovery_code(&*auth::state()?, &actor, user_id).await?;
        leptos_axum::redirect(&format!("/admin/users/{user_id}?recovery={handle}"));
        Ok(())
    })
    .await
}

/// The code just issued, for the admin who issued it, once.
#[server(endpoint = "admin/users/recovery-code/show")]
pub async fn show_recovery_code(
    #[server(default)] user_id: String,
    #[server(default)] handle: String,
) -> Result<Option<RecoveryCode>, AppError> {
    use super::actions::parse_user_id;
    use crate::server::{admin_recovery, auth, context::respond};
    respond(async move {
        let actor = auth::require_admin().await?;
        let user_id = parse_user_id(&user_id)?;
        admin_recovery::take_recovery_code(&*auth::state()?, &actor, user_id, &handle).await
    })
    .await
}

/// Asks for a new password at the user's next sign-in (`required=true`), or stops asking.
#[server(endpoint = "admin/users/require-password-change")]
pub async fn require_password_change(
    #[server(default)] user_id: String,
    #[server(default)] required: String,
) -> Result<(), AppError> {
    use super::actions::parse_user_id;
    use crate::server::{admin_recovery, auth, context::respond};
    respond(async move {
        let actor = auth::require_admin().await?;
        let user_id = parse_user_id(&user_id)?;
        let required = match required.as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(AppError::BadRequest),
        };
        admin_recovery::require_password_change(&*auth::state()?, &actor, user_id, required)
            .await
            .map(|_| ())
    })
    .await
}

/// The recovery code the page's URL names (`?recovery=`), fetched once per page.
pub type ShownRecoveryCode = Resource<Result<Option<RecoveryCode>, AppError>, AsciiJson>;

pub fn shown_recovery_code() -> ShownRecoveryCode {
    let params = use_params_map();
    let query = use_query_map();
    page_resource(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                query.with(|q| q.get("recovery").unwrap_or_default()),
            )
        },
        |(id, handle)| async move {
            if handle.is_empty() {
                Ok(None)
            } else {
                show_recovery_code(id, handle).await
            }
        },
    )
}

/// The "계정 복구 지원" card of a user's page.
#[component]
pub fn RecoverySupport(
    user_id: Uuid,
    /// Recovery codes are for owners; admins recover with the command line.
    offers_code: bool,
    /// Whether the account may sign in: a code for one that may not could never be used.
    may_sign_in: bool,
    must_change_password: bool,
    require: ServerAction<RequirePasswordChange>,
    shown: ShownRecoveryCode,
) -> impl IntoView {
    let issue = ServerAction::<IssueRecoveryCode>::new();
    let (issue_error, _) = action_errors(issue);
    let (require_error, _) = action_errors(require);
    let id = user_id.to_string();
    let (id_for_issue, id_for_require) = (id.clone(), id);
    view! {
        <section class="card" aria-labelledby="recovery-title">
            <h2 id="recovery-title">"계정 복구 지원"</h2>
            <Suspense>
                {data_view(move || Suspend::new(async move {
                    match shown.await {
                        Ok(Some(code)) => view! { <ShownCode code/> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <FormAlert error=Some(error)/> }.into_any(),
                    }
                }))}
            </Suspense>
            {offers_code.then(|| view! {
                <p class="card-lead">
                    "비밀번호를 잊었는데 메일을 받을 수 없는 회원에게 전화로 불러 줄 일회용 복구 코드를 발급합니다. 회원은 비밀번호 재설정 화면에서 이메일과 이 코드로 새 비밀번호를 정합니다."
                </p>
                {if may_sign_in {
                    Either::Left(view! {
                        <ActionForm action=issue attr:class="inline-form">
                            <FormAlert error=issue_error/>
                            <input type="hidden" name="user_id" value=id_for_issue/>
                            <button type="submit" class="button button-small">"복구 코드 발급"</button>
                        </ActionForm>
                    })
                } else {
                    Either::Right(view! {
                        <p class="card-lead" data-testid="no-recovery-code">{RECOVERY_NEEDS_ACCESS}</p>
                    })
                }}
            })}
            <p class="card-lead" data-testid="must-change-password">
                {if must_change_password {
                    "다음 로그인 때 비밀번호를 바꾸도록 요구하고 있습니다."
                } else {
                    "다음 로그인 때 비밀번호 변경을 요구하지 않습니다."
                }}
            </p>
            <ActionForm action=require attr:class="inline-form">
                <FormAlert error=require_error/>
                <input type="hidden" name="user_id" value=id_for_require/>
                <input type="hidden" name="required" value=if must_change_password { "false" } else { "true" }/>
                <button type="submit" class="button button-small">
                    {if must_change_password { "비밀번호 변경 요구 취소" } else { "다음 로그인 때 비밀번호 변경 요구" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn ShownCode(code: RecoveryCode) -> impl IntoView {
    view! {
        <div class="alert alert-info" role="status">
            <p class="alert-title">"복구 코드"</p>
            <p class="recovery-code" data-testid="recovery-code">{code.code}</p>
            <p>
                {format!(
                    "{}까지 한 번 사용할 수 있습니다. 이 화면을 벗어나면 다시 볼 수 없으니 지금 회원에게 불러 주세요.",
                    format_kst(&code.expires_at)
                )}
            </p>
        </div>
    }
}
