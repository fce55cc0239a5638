use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One signed-in session of the user, as the sessions page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenSession {
    /// Names the session for "end this one"; never the session id, which is the cookie's
    /// secret.
    pub handle: Uuid,
    pub started_at: DateTime<Utc>,
    /// Recorded to within a minute.
    pub last_used_at: DateTime<Utc>,
    /// Browser and system, such as "Chrome · Windows 10".
    pub browser: String,
    pub address: Option<String>,
    /// The session of the browser looking at the page.
    pub is_current: bool,
}
