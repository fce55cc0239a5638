//! Presentational building blocks shared by the pages.

mod account_nav;
mod action_errors;
mod content_security_policy;
mod error_page;
mod field;
mod flashed_form_error;
mod form_alert;
mod http_status;
mod live_validation;
mod new_password_fields;
mod notice;
mod rendered_at_once;
mod require_sign_in;
mod settled;
mod site_header;

pub use account_nav::AccountNav;
pub use action_errors::action_errors;
pub use content_security_policy::content_security_policy;
pub use error_page::{ErrorPage, NotFoundPage};
pub use field::{CodeField, Field};
pub use flashed_form_error::provide_flashed_form_error;
pub use form_alert::FormAlert;
pub use http_status::set_http_status;
pub use live_validation::LiveValidation;
pub use new_password_fields::NewPasswordFields;
pub use notice::Notice;
pub use rendered_at_once::rendered_at_once;
pub use require_sign_in::{Access, RequireSignIn};
pub use settled::{derived, memo};
pub use site_header::SiteHeader;
