//! Configuration from the environment (and `.env`), twelve-factor style. Every problem is one
//! clear line naming the variable, never a panic.

use std::{net::SocketAddr, time::Duration};

use secrecy::SecretString;

use super::tokens::{keys::SigningKeys, service_credentials::ServiceCredentials};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set; {hint}")]
    Missing {
        name: &'static str,
        hint: &'static str,
    },
    #[error("{name}={value:?} is not valid; {hint}")]
    Invalid {
        name: &'static str,
        value: String,
        hint: &'static str,
    },
    /// A value that names a file, or holds a key, that cannot be used (never printed: keys
    /// and secrets are).
    #[error("{name}: {reason}")]
    Unusable { name: &'static str, reason: String },
}

/// What the `migrate` and `create-admin` commands need: the database only.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    /// Whether sqlx logs statements (slow ones as warnings). On for the server, where a slow
    /// statement is news; off for the seed, whose index builds take seconds by design and
    /// whose progress bar already shows them.
    pub log_statements: bool,
}

/// Everything the server needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub redis_url: SecretString,
    /// `LEPTOS_SITE_ADDR`, the address to listen on.
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`, where the built site (the `pkg/` bundle and public files) lives.
    pub site_root: String,
    /// `COOKIE_SECURE`: send the session cookie over HTTPS only. Off only for plain-http setups.
    pub cookie_secure: bool,
    /// `BCRYPT_COST`, the work factor of new password hashes.
    pub bcrypt_cost: u32,
    /// How many sign-in and sign-up attempts one client address may make.
    pub throttle: ThrottleSettings,
    /// How long a signed-in session may sit idle, and live at most.
    pub session: SessionSettings,
    /// Where outbound e-mail goes, and from whom.
    pub mail: MailSettings,
    /// `PUBLIC_URL`: the address people reach the service at, for links in e-mails.
    pub public_url: String,
    /// Access tokens for the platform's other services.
    pub tokens: TokenSettings,
}

/// Access tokens (`server::tokens`): the keys, the claims every token carries, and the
/// credentials of the services allowed to ask about tokens and users.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// `TOKEN_SIGNING_KEY(_FILE)` and `TOKEN_PREVIOUS_KEYS(_FILE)`.
    pub keys: SigningKeys,
    /// `TOKEN_ISSUER`, the `iss` claim.
    pub issuer: String,
    /// `TOKEN_AUDIENCE`, the `aud` claim: the platform's services.
    pub audience: String,
    /// `SERVICE_CREDENTIALS`: who may use introspection and the user look-up.
    pub service_credentials: ServiceCredentials,
}

pub const DEFAULT_TOKEN_ISSUER: &str = "user-service";
pub const DEFAULT_TOKEN_AUDIENCE: &str = "event-platform";

impl TokenSettings {
    /// A key made up at start-up and no service credentials: local development and tests.
    pub fn development() -> Self {
        Self {
            keys: SigningKeys::ephemeral(),
            issuer: DEFAULT_TOKEN_ISSUER.to_owned(),
            audience: DEFAULT_TOKEN_AUDIENCE.to_owned(),
            service_credentials: ServiceCredentials::default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `SMTP_URL`: `smtp://host:port` (plain, a local relay), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://user:pass@host:465`.
    pub smtp_url: SecretString,
    /// `MAIL_FROM`: the sender, e.g. `이벤트 마케팅 <no-reply@example.kr>`.
    pub from: String,
}

pub const DEFAULT_MAIL_FROM: &str = "이벤트 마케팅 <no-reply@localhost>";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// `OWNER_IDLE_TIMEOUT`: an owner's session ends after this long without a request.
    pub owner_idle: Duration,
    /// `ADMIN_IDLE_TIMEOUT`: the same for an admin, shorter because an admin can do more.
    pub admin_idle: Duration,
    /// `SESSION_MAX_LIFETIME`: any session ends this long after sign-in, however busy.
    pub absolute: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            owner_idle: Duration::from_secs(24 * 3600),
            admin_idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ThrottleSettings {
    /// `SIGN_IN_LIMIT_PER_MINUTE`: sign-in attempts per client address per minute.
    pub sign_in_per_minute: u32,
    /// `SIGN_UP_LIMIT_PER_HOUR`: sign-ups per client address per hour.
    pub sign_up_per_hour: u32,
    /// `RECOVERY_LIMIT_PER_HOUR`: password reset requests, and attempts to set a password with a
    /// code, per client address per hour (each counted apart).
    pub recovery_per_hour: u32,
    /// `TRUST_FORWARDED_FOR`: take the client address from the last `X-Forwarded-For` entry
    /// (only behind a gateway that adds it; otherwise anyone could claim any address).
    pub trust_forwarded_for: bool,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            sign_in_per_minute: 10,
            sign_up_per_hour: 20,
            recovery_per_hour: 20,
            trust_forwarded_for: false,
        }
    }
}

/// Reads a variable; a set-but-empty variable counts as unset.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl DatabaseSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&env_lookup)
    }

    fn from_lookup(get: Lookup) -> Result<Self, ConfigError> {
        let url = get("DATABASE_URL").ok_or(ConfigError::Missing {
            name: "DATABASE_URL",
            hint: "set it to a PostgreSQL URL such as postgres://user@127.0.0.1:5432/user_service",
        })?;
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError::Invalid {
                name: "DATABASE_URL",
                value: redact_url(&url),
                hint: "it must start with postgres:// or postgresql://",
            });
        }
        Ok(Self {
            url: url.into(),
            log_statements: true,
        })
    }
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&env_lookup)
    }

    fn from_lookup(get: Lookup) -> Result<Self, ConfigError> {
        let database = DatabaseSettings::from_lookup(get)?;
        let redis_url = get("REDIS_URL").ok_or(ConfigError::Missing {
            name: "REDIS_URL",
            hint: "set it to a Redis URL such as redis://127.0.0.1:6379",
        })?;
        if !(redis_url.starts_with("redis://") || redis_url.starts_with("rediss://")) {
            return Err(ConfigError::Invalid {
                name: "REDIS_URL",
                value: redact_url(&redis_url),
                hint: "it must start with redis:// or rediss://",
            });
        }
        let site_addr = match get("LEPTOS_SITE_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError::Invalid {
                name: "LEPTOS_SITE_ADDR",
                value: raw,
                hint: "use an address and port such as 127.0.0.1:3000 or 0.0.0.0:8080",
            })?,
        };
        let cookie_secure = match get("COOKIE_SECURE") {
            None => true,
            Some(raw) => parse_bool(&raw).ok_or(ConfigError::Invalid {
                name: "COOKIE_SECURE",
                value: raw,
                hint: "use true or false (false only for plain-http development)",
            })?,
        };
        let bcrypt_cost = bcrypt_cost(get)?;
        let defaults = ThrottleSettings::default();
        let limit = |name: &'static str, fallback: u32| match get(name) {
            None => Ok(fallback),
            Some(raw) => {
                raw.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or(ConfigError::Invalid {
                        name,
                        value: raw,
                        hint: "use a whole number of at least 1",
                    })
            }
        };
        let throttle = ThrottleSettings {
            sign_in_per_minute: limit("SIGN_IN_LIMIT_PER_MINUTE", defaults.sign_in_per_minute)?,
            sign_up_per_hour: limit("SIGN_UP_LIMIT_PER_HOUR", defaults.sign_up_per_hour)?,
            recovery_per_hour: limit("RECOVERY_LIMIT_PER_HOUR", defaults.recovery_per_hour)?,
            trust_forwarded_for: match get("TRUST_FORWARDED_FOR") {
                None => false,
                Some(raw) => parse_bool(&raw).ok_or(ConfigError::Invalid {
                    name: "TRUST_FORWARDED_FOR",
                    value: raw,
                    hint: "use true or false",
                })?,
            },
        };
        let session_defaults = SessionSettings::default();
        let session = SessionSettings {
            owner_idle: duration(get, "OWNER_IDLE_TIMEOUT", session_defaults.owner_idle)?,
            admin_idle: duration(get, "ADMIN_IDLE_TIMEOUT", session_defaults.admin_idle)?,
            absolute: duration(get, "SESSION_MAX_LIFETIME", session_defaults.absolute)?,
        };
        let smtp_url = get("SMTP_URL").ok_or(ConfigError::Missing {
            name: "SMTP_URL",
            hint: "set it to an SMTP server such as smtp://127.0.0.1:2525 (scripts/run.sh starts one)",
        })?;
        if !(smtp_url.starts_with("smtp://") || smtp_url.starts_with("smtps://")) {
            return Err(ConfigError::Invalid {
                name: "SMTP_URL",
                value: redact_url(&smtp_url),
                hint: "it must start with smtp:// or smtps://",
            });
        }
        let from = get("MAIL_FROM").unwrap_or_else(|| DEFAULT_MAIL_FROM.to_owned());
        if from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid {
                name: "MAIL_FROM",
                value: from,
                hint: "use an address, optionally with a name: 이벤트 마케팅 <no-reply@example.kr>",
            });
        }
        let public_url = match get("PUBLIC_URL") {
            None => format!("http://{site_addr}"),
            Some(raw) => {
                let trimmed = raw.trim().trim_end_matches('/').to_owned();
                if !(trimmed.starts_with("https://") || trimmed.starts_with("http://"))
                    || trimmed.contains(['?', '#', ' '])
                {
                    return Err(ConfigError::Invalid {
                        name: "PUBLIC_URL",
                        value: raw,
                        hint: "use the address people open, such as https://accounts.example.kr",
                    });
                }
                trimmed
            }
        };
        // Only plain-http development on this machine may run on a key made up at start-up.
        let development = !cookie_secure && site_addr.ip().is_loopback();
        let tokens = token_settings(get, development)?;
        Ok(Self {
            database,
            redis_url: redis_url.into(),
            site_addr,
            site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            cookie_secure,
            bcrypt_cost,
            throttle,
            session,
            mail: MailSettings {
                smtp_url: smtp_url.into(),
                from,
            },
            public_url,
            tokens,
        })
    }
}

/// The text of a PEM variable, or of the file its `_FILE` twin names; one of the two at most.
fn pem_text(
    get: Lookup,
    name: &'static str,
    file_name: &'static str,
) -> Result<Option<(SecretString, &'static str)>, ConfigError> {
    match (get(name), get(file_name)) {
        (Some(_), Some(_)) => Err(ConfigError::Unusable {
            name,
            reason: format!("set either {name} or {file_name}, not both"),
        }),
        (Some(text), None) => Ok(Some((text.into(), name))),
        (None, Some(path)) => {
            let path = path.trim().to_owned();
            std::fs::read_to_string(&path)
                .map(|text| Some((text.into(), file_name)))
                .map_err(|e| ConfigError::Unusable {
                    name: file_name,
                    reason: format!("cannot read {path}: {e}"),
                })
        }
        (None, None) => Ok(None),
    }
}

fn token_settings(get: Lookup, development: bool) -> Result<TokenSettings, ConfigError> {
    use secrecy::ExposeSecret;
    let signing = pem_text(get, "TOKEN_SIGNING_KEY", "TOKEN_SIGNING_KEY_FILE")?;
    let previous = pem_text(get, "TOKEN_PREVIOUS_KEYS", "TOKEN_PREVIOUS_KEYS_FILE")?;
    let keys = match (signing, previous) {
        (Some((signing, name)), previous) => {
            let unusable = |name| {
                move |e: super::tokens::keys::KeyError| ConfigError::Unusable {
                    name,
                    reason: e.to_string(),
                }
            };
            let alone = SigningKeys::from_pem(&signing, None).map_err(unusable(name))?;
            match previous {
                None => alone,
                Some((previous, previous_name)) => {
                    SigningKeys::from_pem(&signing, Some(previous.expose_secret()))
                        .map_err(unusable(previous_name))?
                }
            }
        }
        (None, _) if development => SigningKeys::ephemeral(),
        (None, _) => {
            return Err(ConfigError::Missing {
                name: "TOKEN_SIGNING_KEY_FILE",
                hint: "write a key with `user-service generate-signing-key --out <file>` and \
                       set TOKEN_SIGNING_KEY_FILE to it (or TOKEN_SIGNING_KEY to its text); \
                       only plain-http development on localhost (COOKIE_SECURE=false) runs \
                       without one",
            })
        }
    };
    let text = |name: &'static str, fallback: &str| -> Result<String, ConfigError> {
        match get(name) {
            None => Ok(fallback.to_owned()),
            Some(raw) if raw.trim().len() <= 200 && !raw.trim().contains(char::is_control) => {
                Ok(raw.trim().to_owned())
            }
            Some(raw) => Err(ConfigError::Invalid {
                name,
                value: raw,
                hint: "use up to 200 characters on one line, such as a URL",
            }),
        }
    };
    let service_credentials = match get("SERVICE_CREDENTIALS") {
        None => ServiceCredentials::default(),
        Some(raw) => ServiceCredentials::parse(&raw).map_err(|e| ConfigError::Unusable {
            name: "SERVICE_CREDENTIALS",
            reason: format!("{e}; write name:secret pairs separated by commas"),
        })?,
    };
    Ok(TokenSettings {
        keys,
        issuer: text("TOKEN_ISSUER", DEFAULT_TOKEN_ISSUER)?,
        audience: text("TOKEN_AUDIENCE", DEFAULT_TOKEN_AUDIENCE)?,
        service_credentials,
    })
}

/// No session setting may be longer: a session that lives a year is no longer one, and the
/// bound keeps every date computed from these far from overflowing.
const LONGEST_SESSION_SETTING: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A duration written the human way (`30m`, `24h`, `7days`), from one second to a year.
fn duration(get: Lookup, name: &'static str, fallback: Duration) -> Result<Duration, ConfigError> {
    match get(name) {
        None => Ok(fallback),
        Some(raw) => humantime::parse_duration(raw.trim())
            .ok()
            .filter(|d| (Duration::from_secs(1)..=LONGEST_SESSION_SETTING).contains(d))
            .ok_or(ConfigError::Invalid {
                name,
                value: raw,
                hint: "use a duration from 1s to 365days, such as 30m, 24h or 7days",
            }),
    }
}

/// `BCRYPT_COST` alone, for the `create-admin` command.
pub fn bcrypt_cost_from_env() -> Result<u32, ConfigError> {
    bcrypt_cost(&env_lookup)
}

fn bcrypt_cost(get: Lookup) -> Result<u32, ConfigError> {
    match get("BCRYPT_COST") {
        None => Ok(bcrypt::DEFAULT_COST),
        Some(raw) => raw
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|cost| (4..=31).contains(cost))
            .ok_or(ConfigError::Invalid {
                name: "BCRYPT_COST",
                value: raw,
                hint: "use a whole number from 4 to 31 (12 in production)",
            }),
    }
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A URL with its password replaced, safe to print.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(&move |name| vars.get(name).cloned())
    }

    const REQUIRED: [(&str, &str); 4] = [
        ("DATABASE_URL", "postgres://u:pw@localhost/db"),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("SMTP_URL", "smtp://127.0.0.1:2525"),
        // Development on localhost: a signing key is made up at start-up.
        ("COOKIE_SECURE", "false"),
    ];

    #[test]
    fn production_refuses_to_start_without_a_signing_key() {
        let err = settings(&REQUIRED[..3]).unwrap_err().to_string();
        assert!(
            err.starts_with("TOKEN_SIGNING_KEY_FILE is not set"),
            "{err}"
        );
        assert!(!err.contains('\n'), "one line: {err}");
        let mut reachable = REQUIRED.to_vec();
        reachable.push(("LEPTOS_SITE_ADDR", "0.0.0.0:3000"));
        assert!(settings(&reachable).is_err());
        assert!(settings(&REQUIRED).unwrap().tokens.keys.is_ephemeral());
    }

    #[test]
    fn a_signing_key_is_read_from_text_and_a_bad_one_is_named_without_its_text() {
        let (kid, pem) = crate::server::tokens::keys::generate_pem();
        let mut vars = REQUIRED[..3].to_vec();
        let pem_text = secrecy::ExposeSecret::expose_secret(&pem).to_owned();
        vars.push(("TOKEN_SIGNING_KEY", &pem_text));
        let s = settings(&vars).unwrap();
        assert_eq!(s.tokens.keys.signing_kid(), kid);
        assert!(!s.tokens.keys.is_ephemeral());
        assert_eq!(s.tokens.issuer, DEFAULT_TOKEN_ISSUER);
        let bad = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----";
        vars.pop();
        vars.push(("TOKEN_SIGNING_KEY", bad));
        let err = settings(&vars).unwrap_err().to_string();
        assert!(err.starts_with("TOKEN_SIGNING_KEY:"), "{err}");
        assert!(!err.contains("c2VjcmV0"), "{err}");
        vars.pop();
        vars.push(("TOKEN_SIGNING_KEY_FILE", "/nonexistent/key.pem"));
        let err = settings(&vars).unwrap_err().to_string();
        assert!(err.contains("cannot read /nonexistent/key.pem"), "{err}");
    }

    #[test]
    fn service_credentials_are_checked_at_start_up() {
        let mut vars = REQUIRED.to_vec();
        vars.push(("SERVICE_CREDENTIALS", "events:too-short"));
        let err = settings(&vars).unwrap_err().to_string();
        assert!(err.starts_with("SERVICE_CREDENTIALS:"), "{err}");
        assert!(!err.contains("too-short"), "{err}");
    }

    #[test]
    fn defaults_fill_everything_but_the_three_urls() {
        let (_, pem) = crate::server::tokens::keys::generate_pem();
        let pem = secrecy::ExposeSecret::expose_secret(&pem).to_owned();
        let mut vars = REQUIRED[..3].to_vec();
        vars.push(("TOKEN_SIGNING_KEY", &pem));
        let s = settings(&vars).unwrap();
        assert_eq!(s.site_addr.to_string(), "127.0.0.1:3000");
        assert!(s.cookie_secure);
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.site_root, "target/site");
        assert_eq!(s.session, SessionSettings::default());
        assert_eq!(s.session.admin_idle, Duration::from_secs(1800));
        assert_eq!(s.mail.from, DEFAULT_MAIL_FROM);
        assert_eq!(s.public_url, "http://127.0.0.1:3000");
    }

    #[test]
    fn mail_settings_are_checked() {
        let mut vars = REQUIRED.to_vec();
        vars.push(("MAIL_FROM", "not an address"));
        assert!(settings(&vars)
            .unwrap_err()
            .to_string()
            .contains("MAIL_FROM"));
        let mut vars = REQUIRED.to_vec();
        vars[2] = ("SMTP_URL", "http://mail.example.kr");
        assert!(settings(&vars)
            .unwrap_err()
            .to_string()
            .contains("SMTP_URL"));
        let mut vars = REQUIRED.to_vec();
        vars.push(("PUBLIC_URL", "https://accounts.example.kr/"));
        assert_eq!(
            settings(&vars).unwrap().public_url,
            "https://accounts.example.kr"
        );
    }

    #[test]
    fn session_lifetimes_read_human_durations() {
        let mut vars = REQUIRED.to_vec();
        vars.extend([
            ("OWNER_IDLE_TIMEOUT", "12h"),
            ("ADMIN_IDLE_TIMEOUT", "15m"),
            ("SESSION_MAX_LIFETIME", "3days"),
        ]);
        let s = settings(&vars).unwrap();
        assert_eq!(s.session.owner_idle, Duration::from_secs(12 * 3600));
        assert_eq!(s.session.admin_idle, Duration::from_secs(15 * 60));
        assert_eq!(s.session.absolute, Duration::from_secs(3 * 24 * 3600));
        let mut bad = REQUIRED.to_vec();
        bad.push(("ADMIN_IDLE_TIMEOUT", "soon"));
        let err = settings(&bad).unwrap_err().to_string();
        assert!(err.contains("ADMIN_IDLE_TIMEOUT"), "{err}");
        let mut endless = REQUIRED.to_vec();
        endless.push(("SESSION_MAX_LIFETIME", "1000000years"));
        let err = settings(&endless).unwrap_err().to_string();
        assert!(err.contains("SESSION_MAX_LIFETIME"), "{err}");
    }

    #[test]
    fn a_missing_database_url_names_the_variable() {
        let err = settings(&[("REDIS_URL", "redis://x"), REQUIRED[2]]).unwrap_err();
        assert!(err.to_string().starts_with("DATABASE_URL is not set"));
    }

    #[test]
    fn wrong_values_are_reported_without_the_password() {
        let err = settings(&[
            ("DATABASE_URL", "mysql://u:secret@h/db"),
            REQUIRED[1],
            REQUIRED[2],
        ])
        .unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        let mut vars = REQUIRED.to_vec();
        vars.push(("LEPTOS_SITE_ADDR", "localhost"));
        assert!(settings(&vars)
            .unwrap_err()
            .to_string()
            .contains("LEPTOS_SITE_ADDR"));
        vars.pop();
        vars.push(("COOKIE_SECURE", "maybe"));
        assert!(settings(&vars)
            .unwrap_err()
            .to_string()
            .contains("COOKIE_SECURE"));
    }
}
