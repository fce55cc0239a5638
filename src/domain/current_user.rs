use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;

/// Who is signed in, as the session records it (the platform design's
/// `session:{token} -> {userId, role, email}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// An admin asked for a new password at this sign-in: until it is set, only the password
    /// form opens.
    #[serde(default)]
    pub must_change_password: bool,
}

/// Where a user whose password an admin asked to be changed is sent, whatever they open.
pub const PASSWORD_CHANGE_REQUIRED_PAGE: &str = "/profile/password?required=1";

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}
