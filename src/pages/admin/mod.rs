//! The admin console: dashboard, user table, a user's page, audit log. Every server function
//! here starts with `require_admin`, whatever the UI shows.

mod actions;
mod audit;
mod dashboard;
mod recovery;
mod user_detail;
mod users;

pub(crate) use actions::parse_status;
pub use audit::AuditPage;
pub use dashboard::DashboardPage;
pub use user_detail::UserDetailPage;
pub use users::AdminUsersPage;
