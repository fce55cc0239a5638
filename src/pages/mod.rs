//! One module per route: the page component and the server functions only it uses.

mod admin_users;
mod home;
mod login;
mod profile;

pub use admin_users::AdminUsersPage;
pub use home::HomePage;
pub use login::{Login, LoginPage};
pub use profile::ProfilePage;
