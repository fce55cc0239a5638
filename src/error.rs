//! What a user can be told went wrong. Shared by both builds: server functions return
//! `AppError`, pages render it. The server maps its own errors into this type in exactly one
//! place (`server::error`), so internals never reach a page.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// A form that came back with errors: a summary, a message per field (keyed by the input's
/// `name`), and what the user had typed (never a password), so the form can be filled again
/// even when it was posted without JavaScript.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormErrors {
    pub message: String,
    pub fields: Vec<(String, String)>,
    pub values: Vec<(String, String)>,
}

impl FormErrors {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }

    /// Marks `field` as wrong, with `message` shown beside it.
    pub fn field(mut self, field: &str, message: impl ToString) -> Self {
        self.fields.push((field.to_owned(), message.to_string()));
        self
    }

    /// Keeps what the user typed into `field`, to put it back in the form.
    pub fn keep(mut self, field: &str, value: &str) -> Self {
        self.values.push((field.to_owned(), value.to_owned()));
        self
    }

    /// Marks every `(field, message)` of a parser's verdict.
    pub fn fields(mut self, fields: Vec<(String, String)>) -> Self {
        self.fields.extend(fields);
        self
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        lookup(&self.fields, field)
    }

    pub fn value_of(&self, field: &str) -> Option<&str> {
        lookup(&self.values, field)
    }

    pub fn has_field_errors(&self) -> bool {
        !self.fields.is_empty()
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A form's error on its way back to the form after a post without JavaScript: which server
/// function failed (`path`) and its error as leptos encodes it for a URL. The server keeps it
/// in a short-lived record and the redirect carries only the record's id, so nothing the user
/// typed ends up in a URL, a browser history or an access log (see `server::form_flash`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashedFormError {
    pub path: String,
    pub encoded: String,
}

/// The summary above a form whose fields need attention.
pub const CHECK_INPUT: &str = "입력한 내용을 확인해 주세요.";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("{}", .0.message)]
    Form(FormErrors),
    #[error("로그인이 필요합니다.")]
    Unauthenticated,
    /// Too many wrong passwords where the current one was asked again: the session was ended.
    #[error("현재 비밀번호를 여러 번 잘못 입력하여 안전을 위해 로그아웃되었습니다. 다시 로그인해 주세요.")]
    SignedOut,
    #[error("이 페이지에 접근할 권한이 없습니다.")]
    Forbidden,
    /// An admin asked for a new password: nothing but the password form until it is set.
    #[error("관리자의 요청으로 비밀번호를 먼저 변경해야 합니다. 새 비밀번호를 설정해 주세요.")]
    PasswordChangeRequired,
    #[error("요청하신 페이지를 찾을 수 없습니다.")]
    NotFound,
    #[error("요청 형식이 올바르지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.")]
    BadRequest,
    #[error("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.")]
    TooManyRequests,
    #[error("서비스를 일시적으로 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.")]
    Unavailable,
    #[error("요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.")]
    Internal,
}

impl AppError {
    /// The HTTP status that goes with the error.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Form(_) | AppError::BadRequest => 400,
            AppError::Unauthenticated | AppError::SignedOut => 401,
            AppError::Forbidden | AppError::PasswordChangeRequired => 403,
            AppError::NotFound => 404,
            AppError::TooManyRequests => 429,
            AppError::Unavailable => 503,
            AppError::Internal => 500,
        }
    }

    /// The heading of the page that shows the error on its own.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::Forbidden => "접근 권한이 없습니다",
            AppError::PasswordChangeRequired => "비밀번호를 변경해 주세요",
            AppError::NotFound => "페이지를 찾을 수 없습니다",
            AppError::Unavailable => "일시적으로 이용할 수 없습니다",
            AppError::TooManyRequests => "잠시 후 다시 시도해 주세요",
            AppError::Unauthenticated => "로그인이 필요합니다",
            AppError::SignedOut => "다시 로그인해 주세요",
            AppError::Form(_) | AppError::BadRequest | AppError::Internal => {
                "요청을 처리하지 못했습니다"
            }
        }
    }

    /// A form error marking every `(field, message)` of a parser's verdict.
    pub fn invalid(fields: Vec<(String, String)>) -> Self {
        AppError::Form(FormErrors::new(CHECK_INPUT).fields(fields))
    }

    /// A form error with one message at `field`.
    pub fn field(field: &str, message: impl ToString) -> Self {
        AppError::Form(FormErrors::new(CHECK_INPUT).field(field, message))
    }

    /// Puts what the user typed back into a form error, so the form can be filled again.
    pub fn keeping(self, values: &[(&str, &str)]) -> Self {
        match self {
            AppError::Form(mut errors) => {
                for (field, value) in values {
                    errors = errors.keep(field, value);
                }
                AppError::Form(errors)
            }
            other => other,
        }
    }

    pub fn form_errors(&self) -> Option<&FormErrors> {
        match self {
            AppError::Form(errors) => Some(errors),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(error: ServerFnErrorErr) -> Self {
        match error {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::BadRequest,
            // On the server these mean the request itself could not be read (a body that is
            // not UTF-8, say): the caller's fault. In the browser they mean the server could
            // not be reached or its answer read.
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Deserialization(_) => {
                if cfg!(feature = "ssr") {
                    AppError::BadRequest
                } else {
                    AppError::Unavailable
                }
            }
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_errors_find_messages_and_kept_values_by_field() {
        let errors = FormErrors::new("확인해 주세요.")
            .field("email", "이메일을 입력해 주세요.")
            .keep("name", "김민수");
        assert_eq!(errors.message_for("email"), Some("이메일을 입력해 주세요."));
        assert_eq!(errors.message_for("name"), None);
        assert_eq!(errors.value_of("name"), Some("김민수"));
    }

    #[test]
    fn malformed_arguments_are_a_bad_request_not_an_internal_error() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".into()));
        assert_eq!(error, AppError::BadRequest);
        assert_eq!(error.status_code(), 400);
    }
}
