//! The actions an admin takes on a user, as small forms shared by the table and a user's page.

use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    domain::{admin::SETTABLE_STATUSES, Role, UserStatus},
    error::AppError,
};

/// Sets a user's status (ACTIVE, INACTIVE or LOCKED).
#[server(endpoint = "admin/users/status")]
pub async fn set_user_status(
    #[server(default)] user_id: String,
    #[server(default)] status: String,
) -> Result<(), AppError> {
    use crate::server::{admin, auth, context::respond};
    respond(async move {
        let actor = auth::require_admin().await?;
        let (user_id, status) = (parse_user_id(&user_id)?, parse_status(&status)?);
        admin::set_status(&*auth::state()?, &actor, user_id, status)
            .await
            .map(|_| ())
    })
    .await
}

/// Sets a user's role (OWNER or ADMIN).
#[server(endpoint = "admin/users/role")]
pub async fn set_user_role(
    #[server(default)] user_id: String,
    #[server(default)] role: String,
) -> Result<(), AppError> {
    use crate::server::{admin, auth, context::respond};
    respond(async move {
        let actor = auth::require_admin().await?;
        let user_id = parse_user_id(&user_id)?;
        let role = role
            .parse::<Role>()
            .map_err(|_| AppError::Form(crate::error::FormErrors::new("권한을 선택해 주세요.")))?;
        admin::set_role(&*auth::state()?, &actor, user_id, role)
            .await
            .map(|_| ())
    })
    .await
}

/// Ends every session of a user.
#[server(endpoint = "admin/users/end-sessions")]
pub async fn end_user_sessions(#[server(default)] user_id: String) -> Result<usize, AppError> {
    use crate::server::{admin, auth, context::respond};
    respond(async move {
        let actor = auth::require_admin().await?;
        admin::end_sessions(&*auth::state()?, &actor, parse_user_id(&user_id)?).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn parse_user_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
}

pub fn parse_status(raw: &str) -> Result<UserStatus, AppError> {
    raw.parse::<UserStatus>()
        .ok()
        .filter(|s| SETTABLE_STATUSES.contains(s))
        .ok_or_else(|| {
            AppError::Form(crate::error::FormErrors::new(
                crate::domain::admin::NOT_SETTABLE,
            ))
        })
}

/// The three actions' server actions, created once per page and shared by every row.
#[derive(Clone, Copy)]
pub struct UserActions {
    pub status: ServerAction<SetUserStatus>,
    pub role: ServerAction<SetUserRole>,
    pub sessions: ServerAction<EndUserSessions>,
}

impl UserActions {
    pub fn new() -> Self {
        Self {
            status: ServerAction::new(),
            role: ServerAction::new(),
            sessions: ServerAction::new(),
        }
    }

    /// Changes whenever one of the actions completes: key a resource on it to refetch.
    pub fn version(&self) -> (usize, usize, usize) {
        (
            self.status.version().get(),
            self.role.version().get(),
            self.sessions.version().get(),
        )
    }

    /// The latest action's error, if the latest answer was one.
    pub fn error(&self) -> Option<AppError> {
        [
            self.status.value().get().and_then(Result::err),
            self.role.value().get().and_then(Result::err),
            self.sessions.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    }
}

/// The forms of one user's actions.
#[component]
pub fn UserActionForms(
    actions: UserActions,
    user_id: Uuid,
    status: UserStatus,
    role: Role,
    label: String,
) -> impl IntoView {
    let id = user_id.to_string();
    let withdrawn = status == UserStatus::Withdrawn;
    let (status_id, role_id) = (format!("status-{id}"), format!("role-{id}"));
    let (status_label, role_label) = (format!("{label} 상태"), format!("{label} 권한"));
    let (id_for_status, id_for_role, id_for_sessions) = (id.clone(), id.clone(), id);
    view! {
        <div class="row-actions">
            <ActionForm action=actions.status attr:class="inline-form">
                <input type="hidden" name="user_id" value=id_for_status/>
                <label class="visually-hidden" for=status_id.clone()>{status_label}</label>
                <select id=status_id name="status" disabled=withdrawn>
                    {SETTABLE_STATUSES
                        .map(|s| view! { <option value=s.as_str() selected=s == status>{s.label()}</option> })
                        .collect_view()}
                    {withdrawn.then(|| view! { <option value="WITHDRAWN" selected=true>"탈퇴"</option> })}
                </select>
                <button type="submit" class="button button-small" disabled=withdrawn>"상태 변경"</button>
            </ActionForm>
            <ActionForm action=actions.role attr:class="inline-form">
                <input type="hidden" name="user_id" value=id_for_role/>
                <label class="visually-hidden" for=role_id.clone()>{role_label}</label>
                <select id=role_id name="role" disabled=withdrawn>
                    {Role::ALL
                        .map(|r| view! { <option value=r.as_str() selected=r == role>{r.label()}</option> })
                        .collect_view()}
                </select>
                <button type="submit" class="button button-small" disabled=withdrawn>"권한 변경"</button>
            </ActionForm>
            <ActionForm action=actions.sessions attr:class="inline-form">
                <input type="hidden" name="user_id" value=id_for_sessions/>
                <button type="submit" class="button button-small">"세션 종료"</button>
            </ActionForm>
        </div>
    }
}
