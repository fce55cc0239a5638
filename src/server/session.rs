//! The one typed door to the session. Only this file knows the session's keys, and every
//! request that asks who is signed in goes through [`UserSession::current_user`], which is
//! where idle and absolute lifetimes are enforced.

use std::{
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tower_sessions::{session::Id, Expiry, Session};
use uuid::Uuid;

use super::{
    access::{AccessVersion, AccessVersions},
    client::Client,
    config::SessionSettings,
    context::app_state,
    error::ServerError,
    session_registry::SessionRegistry,
    state::AppState,
    tokens::{families::EndReason, revocation::TokenRevocation},
};
use crate::domain::{CurrentUser, Role};

/// The signed-in user, `{userId, role, email}` as the platform design describes it.
const CURRENT_USER_KEY: &str = "current_user";
/// When and where the session started and when it was last used: see [`SessionInfo`].
pub(super) const SESSION_INFO_KEY: &str = "session_info";

/// What a signed-in session records about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// Names the session on the sessions page. Not its id: the id is the cookie's secret and
    /// never leaves the cookie.
    pub handle: Uuid,
    pub started_at: DateTime<Utc>,
    /// Updated at most every [`SessionPolicy::touch_interval`], to spare Redis a write per
    /// request.
    pub last_seen_at: DateTime<Utc>,
    pub browser: String,
    pub address: Option<String>,
    /// The user's access version when the session was signed in (see `server::access`).
    #[serde(default)]
    pub access: AccessVersion,
}

impl SessionInfo {
    fn starting(now: DateTime<Utc>, client: &Client, access: AccessVersion) -> Self {
        Self {
            handle: Uuid::new_v4(),
            started_at: now,
            last_seen_at: now,
            browser: client.browser_label(),
            address: client.address.map(|a| a.to_string()),
            access,
        }
    }
}

/// Who a request turned out to be from, worked out once per request (a Redis read for the
/// access version) and shared by everything the request runs: the page's components and every
/// server function it calls. Put into each request by `security::watch_request`.
#[derive(Clone, Default)]
pub struct RequestUser(Arc<Mutex<Option<Option<CurrentUser>>>>);

impl RequestUser {
    /// `Some(answer)` once the request knows who it is from.
    pub fn known(&self) -> Option<Option<CurrentUser>> {
        self.0.lock().ok().and_then(|known| known.clone())
    }

    fn set(&self, user: Option<CurrentUser>) {
        if let Ok(mut known) = self.0.lock() {
            *known = Some(user);
        }
    }
}

/// Idle timeout by role and an absolute limit: after either, the next request is anonymous.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    settings: SessionSettings,
}

/// The longest a session's "last used" may lag behind: the idle clock's precision.
const MAX_TOUCH_INTERVAL: Duration = Duration::from_secs(60);

impl SessionPolicy {
    pub fn new(settings: SessionSettings) -> Self {
        Self { settings }
    }

    fn idle_timeout(&self, role: Role) -> chrono::Duration {
        let idle = match role {
            Role::Owner => self.settings.owner_idle,
            Role::Admin => self.settings.admin_idle,
        };
        chrono_duration(idle)
    }

    /// When the session ends if it is not used again.
    pub fn ends_at(&self, info: &SessionInfo, role: Role) -> DateTime<Utc> {
        let idle_end = info.last_seen_at + self.idle_timeout(role);
        let absolute_end = info.started_at + chrono_duration(self.settings.absolute);
        idle_end.min(absolute_end)
    }

    pub fn has_ended(&self, info: &SessionInfo, role: Role, now: DateTime<Utc>) -> bool {
        now >= self.ends_at(info, role)
    }

    /// How stale "last used" may get before a request records it again: a tenth of the idle
    /// timeout, at most a minute.
    fn touch_interval(&self, role: Role) -> chrono::Duration {
        (self.idle_timeout(role) / 10).min(chrono_duration(MAX_TOUCH_INTERVAL))
    }

    pub fn absolute_limit(&self) -> Duration {
        self.settings.absolute
    }
}

fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// Redis keeps whole seconds: rounded up, so Redis never drops a session before
/// [`SessionPolicy::has_ended`] would.
fn expiry_at(moment: DateTime<Utc>) -> Expiry {
    let seconds = moment.timestamp() + i64::from(moment.timestamp_subsec_nanos() > 0);
    let at = time::OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    Expiry::AtDateTime(at)
}

pub struct UserSession {
    session: Session,
    registry: SessionRegistry,
    access: AccessVersions,
    policy: SessionPolicy,
    trust_forwarded_for: bool,
    request_user: Option<RequestUser>,
    /// The tokens asked for from this session end with it.
    tokens: TokenRevocation,
}

impl UserSession {
    pub async fn from_request() -> Result<Self, ServerError> {
        let session = leptos_axum::extract::<Session>()
            .await
            .map_err(|e| ServerError::Extract(e.to_string()))?;
        let request_user = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<RequestUser>().cloned());
        Ok(Self::new(session, &*app_state()?, request_user))
    }

    /// For plain axum handlers, which get the session and the request's [`RequestUser`] from
    /// their extractors (the user it learns is then known to the log of refusals too).
    pub fn new(session: Session, state: &AppState, request_user: Option<RequestUser>) -> Self {
        Self {
            session,
            registry: state.sessions.clone(),
            access: state.access.clone(),
            policy: state.session_policy,
            trust_forwarded_for: state.throttle.settings.trust_forwarded_for,
            request_user,
            tokens: state.tokens.revocation.clone(),
        }
    }

    /// Who the request is from, as logged for sign-in attempts and kept by a new session.
    /// Read only when needed: most requests never ask.
    pub fn client(&self) -> Client {
        Client::of_current_request(self.trust_forwarded_for)
    }

    /// The signed-in user, or `None`: also when the session sat idle too long for the user's
    /// role, reached its absolute limit, or was signed in before the user's access changed, in
    /// which cases it is deleted here.
    pub async fn current_user(&self) -> Result<Option<CurrentUser>, ServerError> {
        if let Some(known) = self.request_user.as_ref().and_then(RequestUser::known) {
            return Ok(known);
        }
        let user = self.resolve_user().await?;
        self.remember(user.clone());
        Ok(user)
    }

    async fn resolve_user(&self) -> Result<Option<CurrentUser>, ServerError> {
        let Some(user) = self.session.get::<CurrentUser>(CURRENT_USER_KEY).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        let info = self.session.get::<SessionInfo>(SESSION_INFO_KEY).await?;
        let Some(mut info) = info.filter(|info| !self.policy.has_ended(info, user.role, now))
        else {
            tracing::info!(user_id = %user.id, "session ended by its lifetime");
            self.session.flush().await?;
            return Ok(None);
        };
        if info.access != self.access.current(user.id).await? {
            tracing::info!(user_id = %user.id, "session ended: the user's access changed");
            self.session.flush().await?;
            return Ok(None);
        }
        if now - info.last_seen_at >= self.policy.touch_interval(user.role) {
            info.last_seen_at = now;
            self.write_info(&info, user.role).await?;
        }
        Ok(Some(user))
    }

    fn remember(&self, user: Option<CurrentUser>) {
        if let Some(request_user) = &self.request_user {
            request_user.set(user);
        }
    }

    /// Starts a signed-in session under a new id, so an id planted before sign-in (session
    /// fixation) is worthless, and files it under the user. It records `access`, the user's
    /// access version read before the credentials were checked.
    pub async fn log_in(
        &self,
        user: &CurrentUser,
        access: AccessVersion,
    ) -> Result<(), ServerError> {
        self.session.insert(CURRENT_USER_KEY, user).await?;
        let info = SessionInfo::starting(Utc::now(), &self.client(), access);
        self.write_info(&info, user.role).await?;
        self.file_under_new_id(user).await?;
        self.remember(Some(user.clone()));
        Ok(())
    }

    /// Keeps this browser signed in after the user's sessions were all ended (a password
    /// change): under a new id and the new access `version`. The session keeps its start, so
    /// the absolute limit still counts from sign-in.
    pub async fn continue_after_revocation(
        &self,
        user: &CurrentUser,
        version: AccessVersion,
    ) -> Result<(), ServerError> {
        let info = self.session.get::<SessionInfo>(SESSION_INFO_KEY).await?;
        let info = match info {
            Some(info) => SessionInfo {
                access: version,
                ..info
            },
            None => SessionInfo::starting(Utc::now(), &self.client(), version),
        };
        self.session.insert(CURRENT_USER_KEY, user).await?;
        self.write_info(&info, user.role).await?;
        self.file_under_new_id(user).await?;
        self.remember(Some(user.clone()));
        Ok(())
    }

    /// Gives the session a new id (the old one is deleted) and files it under the user.
    async fn file_under_new_id(&self, user: &CurrentUser) -> Result<(), ServerError> {
        self.session.cycle_id().await?;
        // Saved now rather than at the end of the response, so the new id is known here.
        self.session.save().await?;
        if let Some(id) = self.session.id() {
            if let Err(error) = self.registry.register(user.id, &id.to_string()).await {
                // Unfiled, it could not be ended with the user's other sessions (password
                // change, withdrawal, an admin's lock): better no session at all.
                let _ = self.session.flush().await;
                return Err(error.into());
            }
        }
        Ok(())
    }

    /// Replaces what the session knows of the user (after an e-mail change).
    pub async fn update_user(&self, user: &CurrentUser) -> Result<(), ServerError> {
        self.session.insert(CURRENT_USER_KEY, user).await?;
        self.keep_expiry(user.role).await?;
        self.remember(Some(user.clone()));
        Ok(())
    }

    /// Ends every other session of the signed-in user, and every token session but the ones
    /// this browser asked for (an app's too); this one stays.
    pub async fn end_other_sessions(&self, user: &CurrentUser) -> Result<usize, ServerError> {
        let keep = self.session.id().map(|id| id.to_string());
        let ended = self.registry.end_all(user.id, keep.as_deref()).await?;
        let this = self.browser_handle().await?;
        self.tokens.end_all_but(user.id, this).await?;
        Ok(ended)
    }

    /// The user's open sessions, this one marked, most recently used first.
    pub async fn open_sessions(
        &self,
        user: &CurrentUser,
    ) -> Result<Vec<(SessionInfo, bool)>, ServerError> {
        let this = self.session.id().map(|id| id.to_string());
        let mut sessions: Vec<(SessionInfo, bool)> = self
            .registry
            .describe(user.id)
            .await?
            .into_iter()
            .map(|(id, info)| {
                let is_this = Some(&id) == this.as_ref();
                (info, is_this)
            })
            .collect();
        sessions.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.last_seen_at.cmp(&a.0.last_seen_at)));
        Ok(sessions)
    }

    /// Ends the user's session named `handle`, unless it is this one (that is what logging out
    /// is for). Whether a session was ended.
    pub async fn end_session(&self, user: &CurrentUser, handle: Uuid) -> Result<bool, ServerError> {
        let this = self.session.id().map(|id| id.to_string());
        let ended = self
            .registry
            .end_by_handle(user.id, handle, this.as_deref())
            .await?;
        if self.browser_handle().await? != Some(handle) {
            // Its tokens too, even if the session itself had expired already.
            self.tokens
                .end_browser_session(user.id, handle, EndReason::Logout)
                .await?;
        }
        Ok(ended)
    }

    /// Deletes the session from Redis: the old cookie signs nobody in afterwards (first, so a
    /// shared computer is signed out even while PostgreSQL is away). The tokens asked for from
    /// it end too; if PostgreSQL cannot be reached for that, their refresh tokens stay usable
    /// until they expire, and the access tokens at most ten minutes (logged).
    pub async fn log_out(&self) -> Result<(), ServerError> {
        let user = self.session.get::<CurrentUser>(CURRENT_USER_KEY).await?;
        let handle = self.browser_handle().await?;
        self.session.flush().await?;
        self.remember(None);
        if let Some((user_id, handle)) = user.map(|u| u.id).zip(handle) {
            if let Err(error) = self
                .tokens
                .end_browser_session(user_id, handle, EndReason::Logout)
                .await
            {
                tracing::warn!(user_id = %user_id, error = ?error, "signed out; the browser's token sessions could not be ended");
            }
        }
        Ok(())
    }

    /// The handle naming this session (never its id, the cookie's secret): the browser
    /// session the tokens asked for from it belong to.
    async fn browser_handle(&self) -> Result<Option<Uuid>, ServerError> {
        Ok(self.browser_session().await?.map(|(handle, _)| handle))
    }

    /// [`Self::browser_handle`], and when this session signed in.
    pub async fn browser_session(&self) -> Result<Option<(Uuid, DateTime<Utc>)>, ServerError> {
        Ok(self
            .session
            .get::<SessionInfo>(SESSION_INFO_KEY)
            .await?
            .map(|info| (info.handle, info.started_at)))
    }

    /// Whether this session, as the request found it signed in as `user`, still is: still in
    /// the store (no logout since) and under the user's current access version (no
    /// revocation since). Read afresh, not from what the request already knows.
    pub async fn is_still_signed_in(&self, user: &CurrentUser) -> Result<bool, ServerError> {
        let Some(id) = self.session.id() else {
            return Ok(false);
        };
        let Some(info) = self.session.get::<SessionInfo>(SESSION_INFO_KEY).await? else {
            return Ok(false);
        };
        Ok(self.registry.is_open(&id.to_string()).await?
            && info.access == self.access.current(user.id).await?)
    }

    async fn write_info(&self, info: &SessionInfo, role: Role) -> Result<(), ServerError> {
        self.session.insert(SESSION_INFO_KEY, info).await?;
        self.session
            .set_expiry(Some(expiry_at(self.policy.ends_at(info, role))));
        Ok(())
    }

    /// tower-sessions stamps the layer's default expiry on every save; a session this request
    /// changes gets its own end again.
    async fn keep_expiry(&self, role: Role) -> Result<(), ServerError> {
        if let Some(info) = self.session.get::<SessionInfo>(SESSION_INFO_KEY).await? {
            self.session
                .set_expiry(Some(expiry_at(self.policy.ends_at(&info, role))));
        }
        Ok(())
    }
}

/// A session id as the store knows it, from the string the registry keeps.
pub(super) fn parse_session_id(raw: &str) -> Option<Id> {
    Id::from_str(raw).ok()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn policy() -> SessionPolicy {
        SessionPolicy::new(SessionSettings::default())
    }

    fn info(started: DateTime<Utc>, last_seen: DateTime<Utc>) -> SessionInfo {
        SessionInfo {
            handle: Uuid::nil(),
            started_at: started,
            last_seen_at: last_seen,
            browser: String::new(),
            address: None,
            access: AccessVersion::initial(),
        }
    }

    #[test]
    fn admins_time_out_after_30_idle_minutes_and_owners_after_a_day() {
        let start = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let session = info(start, start);
        let p = policy();
        assert!(!p.has_ended(&session, Role::Admin, start + chrono::Duration::minutes(29)));
        assert!(p.has_ended(&session, Role::Admin, start + chrono::Duration::minutes(30)));
        assert!(!p.has_ended(&session, Role::Owner, start + chrono::Duration::hours(23)));
        assert!(p.has_ended(&session, Role::Owner, start + chrono::Duration::hours(24)));
    }

    #[test]
    fn a_busy_session_still_ends_seven_days_after_sign_in() {
        let start = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let just_used = start + chrono::Duration::days(7) - chrono::Duration::minutes(1);
        let session = info(start, just_used);
        assert_eq!(
            policy().ends_at(&session, Role::Owner),
            start + chrono::Duration::days(7)
        );
        assert!(policy().has_ended(&session, Role::Owner, start + chrono::Duration::days(7)));
    }

    #[test]
    fn last_use_is_recorded_at_most_once_a_minute() {
        assert_eq!(
            policy().touch_interval(Role::Owner),
            chrono::Duration::minutes(1)
        );
        assert_eq!(
            policy().touch_interval(Role::Admin),
            chrono::Duration::minutes(1)
        );
        let short = SessionPolicy::new(SessionSettings {
            owner_idle: Duration::from_secs(2),
            ..SessionSettings::default()
        });
        assert_eq!(
            short.touch_interval(Role::Owner),
            chrono::Duration::milliseconds(200)
        );
    }
}
