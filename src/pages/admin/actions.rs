//! The actions an admin takes on a user, as small forms shared by the table and a user's page.

use leptos::{form::FromFormData, prelude::*, server_fn::ServerFn};
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

/// One user's actions in one form: each button names its own server function (`formaction`),
/// so without JavaScript the browser posts the form there, and once hydrated the same button
/// dispatches the matching action in place. (Three forms per row made the user table's page
/// seven times the size of its data.)
#[component]
pub fn UserActionForms(
    actions: UserActions,
    user_id: Uuid,
    status: UserStatus,
    role: Role,
    label: String,
) -> impl IntoView {
    let withdrawn = status == UserStatus::Withdrawn;
    let on_submit = move |event: leptos::web_sys::SubmitEvent| {
        event.prevent_default();
        let target = event
            .submitter()
            .and_then(|button| button.get_attribute("formaction"));
        let dispatched = match target.as_deref() {
            Some(url) if url == SetUserRole::url() => {
                SetUserRole::from_event(&event).map(|input| actions.role.dispatch(input))
            }
            Some(url) if url == EndUserSessions::url() => {
                EndUserSessions::from_event(&event).map(|input| actions.sessions.dispatch(input))
            }
            _ => SetUserStatus::from_event(&event).map(|input| actions.status.dispatch(input)),
        };
        if let Err(error) = dispatched {
            leptos::logging::error!("the action form could not be read: {error}");
        }
    };
    view! {
        <form class="row-actions" method="post" action=SetUserStatus::url() on:submit=on_submit>
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            <select name="status" aria-label=[label.as_str(), " 상태"].concat() disabled=withdrawn>
                {SETTABLE_STATUSES
                    .map(|s| view! { <option value=s.as_str() selected=s == status>{s.label()}</option> })
                    .collect_view()}
                {withdrawn.then(|| view! { <option value="WITHDRAWN" selected=true>"탈퇴"</option> })}
            </select>
            <button type="submit" class="button button-small" disabled=withdrawn>"상태 변경"</button>
            <select name="role" aria-label=[label.as_str(), " 권한"].concat() disabled=withdrawn>
                {Role::ALL
                    .map(|r| view! { <option value=r.as_str() selected=r == role>{r.label()}</option> })
                    .collect_view()}
            </select>
            <button type="submit" class="button button-small" formaction=SetUserRole::url() disabled=withdrawn>
                "권한 변경"
            </button>
            <button type="submit" class="button button-small" formaction=EndUserSessions::url()>
                "세션 종료"
            </button>
        </form>
    }
}
