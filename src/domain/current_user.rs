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
}

impl CurrentUser {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}
