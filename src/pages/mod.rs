//! One module per route: the page component and the server functions only it uses.

mod admin;
mod home;
mod login;
mod password;
mod password_reset;
mod profile;
mod sessions;
mod signup;
mod verify_email;
mod withdraw;

pub use admin::{AdminUsersPage, AuditPage, DashboardPage, UserDetailPage};
pub use home::HomePage;
pub use login::{Login, LoginPage};
pub use password::PasswordPage;
pub use password_reset::{ForgotPasswordPage, ResetPasswordPage};
pub use profile::ProfilePage;
pub use sessions::SessionsPage;
pub use signup::SignupPage;
pub use verify_email::VerifyEmailPage;
pub use withdraw::WithdrawPage;

/// The status an admin asked for, if it is one they may set.
pub fn parse_settable_status(
    raw: &str,
) -> Result<crate::domain::UserStatus, crate::error::AppError> {
    admin::parse_status(raw)
}
