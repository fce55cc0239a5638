//! The account forms as typed (raw strings, exactly the server functions' parameters) and
//! their one parser each, used by the browser while the user types and by the server, which
//! decides. A parser returns every wrong field at once, keyed by the input's `name`.

use serde::{Deserialize, Serialize};

use super::{
    Address, BusinessHours, Email, Industry, OneTimeCode, Password, PersonName, PhoneNumber,
    StoreName,
};

/// `(field name, message)` for each wrong field.
pub type FieldErrors = Vec<(String, String)>;

/// Runs one field's parser and files its error under `field`.
fn check<T, E: std::fmt::Display>(
    errors: &mut FieldErrors,
    field: &str,
    parsed: Result<T, E>,
) -> Option<T> {
    parsed
        .map_err(|e| errors.push((field.to_owned(), e.to_string())))
        .ok()
}

pub const PASSWORDS_DIFFER: &str = "비밀번호가 서로 다릅니다. 다시 확인해 주세요.";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OwnerInput {
    pub name: String,
    pub phone_number: String,
}

#[derive(Debug, Clone)]
pub struct OwnerDetails {
    pub name: PersonName,
    pub phone_number: PhoneNumber,
}

impl OwnerInput {
    pub fn parse(&self) -> Result<OwnerDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = check(&mut errors, "name", PersonName::parse(&self.name));
        let phone_number = check(
            &mut errors,
            "phone_number",
            PhoneNumber::parse(&self.phone_number),
        );
        match (name, phone_number) {
            (Some(name), Some(phone_number)) if errors.is_empty() => {
                Ok(OwnerDetails { name, phone_number })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreInput {
    pub store_name: String,
    pub industry: String,
    pub address: String,
    pub business_hours: String,
}

#[derive(Debug, Clone)]
pub struct StoreDetails {
    pub name: StoreName,
    pub industry: Industry,
    pub address: Address,
    pub business_hours: BusinessHours,
}

impl StoreInput {
    pub fn parse(&self) -> Result<StoreDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let parsed = self.parse_into(&mut errors);
        parsed.filter(|_| errors.is_empty()).ok_or(errors)
    }

    fn parse_into(&self, errors: &mut FieldErrors) -> Option<StoreDetails> {
        let name = check(errors, "store_name", StoreName::parse(&self.store_name));
        let industry = check(errors, "industry", Industry::parse(&self.industry));
        let address = check(errors, "address", Address::parse(&self.address));
        let business_hours = check(
            errors,
            "business_hours",
            BusinessHours::parse(&self.business_hours),
        );
        Some(StoreDetails {
            name: name?,
            industry: industry?,
            address: address?,
            business_hours: business_hours?,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignupInput {
    pub name: String,
    pub phone_number: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
    pub store_name: String,
    pub industry: String,
    pub address: String,
    pub business_hours: String,
}

#[derive(Debug, Clone)]
pub struct NewOwner {
    pub owner: OwnerDetails,
    pub email: Email,
    pub password: Password,
    pub store: StoreDetails,
}

impl SignupInput {
    pub fn parse(&self) -> Result<NewOwner, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = check(&mut errors, "name", PersonName::parse(&self.name));
        let phone_number = check(
            &mut errors,
            "phone_number",
            PhoneNumber::parse(&self.phone_number),
        );
        let email = check(&mut errors, "email", Email::parse(&self.email));
        let password = check(
            &mut errors,
            "password",
            Password::parse_for_account(&self.password, &self.email, &[self.name.trim()]),
        );
        let confirmed = self.password_confirm == self.password;
        if !confirmed {
            errors.push(("password_confirm".to_owned(), PASSWORDS_DIFFER.to_owned()));
        }
        let store = StoreInput {
            store_name: self.store_name.clone(),
            industry: self.industry.clone(),
            address: self.address.clone(),
            business_hours: self.business_hours.clone(),
        }
        .parse_into(&mut errors);
        match (name, phone_number, email, password, store) {
            (Some(name), Some(phone_number), Some(email), Some(password), Some(store))
                if errors.is_empty() =>
            {
                Ok(NewOwner {
                    owner: OwnerDetails { name, phone_number },
                    email,
                    password,
                    store,
                })
            }
            _ => Err(errors),
        }
    }

    /// What may be sent back to the form: everything but the passwords.
    pub fn kept_values(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("name", &self.name),
            ("phone_number", &self.phone_number),
            ("email", &self.email),
            ("store_name", &self.store_name),
            ("industry", &self.industry),
            ("address", &self.address),
            ("business_hours", &self.business_hours),
        ]
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordChangeInput {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

impl PasswordChangeInput {
    /// Checks the form; `email` is the account's, which the new password may not equal.
    pub fn parse(&self, email: &str) -> Result<Password, FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.current_password.is_empty() {
            errors.push((
                "current_password".to_owned(),
                "현재 비밀번호를 입력해 주세요.".to_owned(),
            ));
        }
        let password = check(
            &mut errors,
            "new_password",
            Password::parse_for_account(&self.new_password, email, &[]),
        );
        if self.new_password_confirm != self.new_password {
            errors.push((
                "new_password_confirm".to_owned(),
                PASSWORDS_DIFFER.to_owned(),
            ));
        }
        password.filter(|_| errors.is_empty()).ok_or(errors)
    }
}

/// The password reset form: either the link's token (hidden) or the e-mail and the code, and
/// the new password twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordResetInput {
    pub email: String,
    pub code: String,
    pub token: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

/// How the person shows the reset is theirs.
#[derive(Debug, Clone)]
pub enum ResetProof {
    /// The link from the mail (its random token).
    Link(String),
    /// The e-mail address and the code from the mail (or an admin's recovery code).
    Code(Email, OneTimeCode),
}

impl PasswordResetInput {
    /// Checks the form. With a link the account's e-mail is not known yet: the server checks
    /// the new password against it once the link has named the account.
    pub fn parse(&self) -> Result<(ResetProof, Password), FieldErrors> {
        let mut errors = FieldErrors::new();
        let proof = if self.token.trim().is_empty() {
            let email = check(&mut errors, "email", Email::parse(&self.email));
            let code = check(&mut errors, "code", OneTimeCode::parse(&self.code));
            email
                .zip(code)
                .map(|(email, code)| ResetProof::Code(email, code))
        } else {
            Some(ResetProof::Link(self.token.trim().to_owned()))
        };
        let password = check(
            &mut errors,
            "new_password",
            Password::parse_for_account(&self.new_password, &self.email, &[]),
        );
        if self.new_password_confirm != self.new_password {
            errors.push((
                "new_password_confirm".to_owned(),
                PASSWORDS_DIFFER.to_owned(),
            ));
        }
        match (proof, password) {
            (Some(proof), Some(password)) if errors.is_empty() => Ok((proof, password)),
            _ => Err(errors),
        }
    }

    /// What may be sent back to the form: never the passwords or the code.
    pub fn kept_values(&self) -> Vec<(&'static str, &str)> {
        vec![("email", &self.email), ("token", &self.token)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_needs_the_email_and_code_unless_the_link_names_the_account() {
        let by_code = PasswordResetInput {
            email: "owner@example.com".into(),
            code: "123 456".into(),
            new_password: "tangerine-harbor-42".into(),
            new_password_confirm: "tangerine-harbor-42".into(),
            ..Default::default()
        };
        assert!(matches!(by_code.parse(), Ok((ResetProof::Code(..), _))));
        let by_link = PasswordResetInput {
            token: "abc".into(),
            email: String::new(),
            code: String::new(),
            ..by_code.clone()
        };
        assert!(matches!(by_link.parse(), Ok((ResetProof::Link(t), _)) if t == "abc"));
        let empty = PasswordResetInput::default();
        let fields: Vec<String> = empty
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(fields, ["email", "code", "new_password"]);
    }

    fn valid_signup() -> SignupInput {
        SignupInput {
            name: "김민수".into(),
            phone_number: "01012345678".into(),
            email: "Minsu@Example.com".into(),
            password: "tangerine-harbor-42".into(),
            password_confirm: "tangerine-harbor-42".into(),
            store_name: "민수네 분식".into(),
            industry: "음식점".into(),
            address: "서울특별시 마포구 월드컵로 1".into(),
            business_hours: "매일 10:00-22:00".into(),
        }
    }

    #[test]
    fn a_complete_signup_parses_into_normal_forms() {
        let owner = valid_signup().parse().unwrap();
        assert_eq!(owner.email.as_str(), "minsu@example.com");
        assert_eq!(owner.owner.phone_number.as_str(), "010-1234-5678");
        assert_eq!(
            owner.store.business_hours.as_deref(),
            Some("매일 10:00-22:00")
        );
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let input = SignupInput {
            password_confirm: "different".into(),
            ..SignupInput::default()
        };
        let fields: Vec<String> = input
            .parse()
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        for expected in [
            "name",
            "phone_number",
            "email",
            "password",
            "password_confirm",
            "store_name",
            "industry",
            "address",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} in {fields:?}"
            );
        }
        assert!(
            !fields.iter().any(|f| f == "business_hours"),
            "it is optional"
        );
    }

    #[test]
    fn kept_values_never_include_passwords() {
        let input = valid_signup();
        let kept = input.kept_values();
        assert!(kept.iter().all(|(field, _)| !field.contains("password")));
    }

    #[test]
    fn a_password_change_needs_the_current_password_and_a_matching_confirmation() {
        let input = PasswordChangeInput {
            current_password: String::new(),
            new_password: "tangerine-harbor-42".into(),
            new_password_confirm: "tangerine-harbor-43".into(),
        };
        let fields: Vec<String> = input
            .parse("a@example.com")
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, vec!["current_password", "new_password_confirm"]);
    }
}
