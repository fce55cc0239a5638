//! One module per route: the page component and the server functions only it uses.

mod admin_users;
mod home;
mod login;
mod password;
mod profile;
mod signup;
mod withdraw;

pub use admin_users::AdminUsersPage;
pub use home::HomePage;
pub use login::{Login, LoginPage};
pub use password::PasswordPage;
pub use profile::ProfilePage;
pub use signup::SignupPage;
pub use withdraw::WithdrawPage;
