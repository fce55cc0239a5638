//! The account domain: types that can only hold valid values, shared by the server and the
//! browser bundle so that both give the same verdict and the same (Korean) message.
//! No I/O here: no leptos, sqlx or axum.

pub mod admin;
mod current_user;
mod email;
mod email_confirmation;
pub mod forms;
mod next_path;
mod one_time_code;
mod open_session;
mod password;
mod person_name;
mod phone_number;
mod profile;
mod role;
mod store;
mod text;
mod user_query;
mod user_status;

pub use current_user::{CurrentUser, PASSWORD_CHANGE_REQUIRED_PAGE};
pub use email::{Email, EmailError};
pub use email_confirmation::EmailConfirmation;
pub use next_path::NextPath;
pub use one_time_code::{OneTimeCode, OneTimeCodeError};
pub use open_session::OpenSession;
pub use password::{Password, PasswordError};
pub use person_name::PersonName;
pub use phone_number::{PhoneNumber, PhoneNumberError};
pub use profile::{format_kst, korea_time, Profile, StoreProfile};
pub use role::{Role, UnknownRole};
pub use store::{Address, BusinessHours, Industry, StoreName, COMMON_INDUSTRIES};
pub use text::TextError;
pub use user_query::{Direction, SortKey, UserQuery, UserQueryParams};
pub use user_status::{may_keep_access, UnknownUserStatus, UserStatus};
