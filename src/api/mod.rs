//! Server functions that several pages share. Page-specific ones live beside their page.
//! Every server function is a public endpoint: each checks authorization itself.

mod session;

pub use session::{current_user, CurrentUserFn, Logout};
