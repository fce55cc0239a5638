//! The admin user table's view, as its URL says it: `q`, `status`, `role`, `verified`, `sort`,
//! `dir`, `page`, `per_page`. Any value that makes no sense falls back to its default (never an
//! error), so every link, bookmark and back-button state renders.

use serde::{Deserialize, Serialize};

use super::{Role, UserStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    CreatedAt,
    LastLoginAt,
    Name,
    Email,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::CreatedAt,
        SortKey::LastLoginAt,
        SortKey::Name,
        SortKey::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::CreatedAt => "created_at",
            SortKey::LastLoginAt => "last_login_at",
            SortKey::Name => "name",
            SortKey::Email => "email",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|key| key.as_str() == raw)
    }

    /// Dates read newest first, text A to Z.
    pub fn natural_direction(self) -> Direction {
        match self {
            SortKey::CreatedAt | SortKey::LastLoginAt => Direction::Desc,
            SortKey::Name | SortKey::Email => Direction::Asc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }

    pub fn reversed(self) -> Self {
        match self {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    /// Case-insensitive substring of name, e-mail, phone or store name; empty for none.
    pub q: String,
    pub status: Option<UserStatus>,
    pub role: Option<Role>,
    /// Only users whose e-mail is verified (`true`) or not yet (`false`).
    pub verified: Option<bool>,
    pub sort: SortKey,
    pub dir: Direction,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

impl Default for UserQuery {
    fn default() -> Self {
        Self {
            q: String::new(),
            status: None,
            role: None,
            verified: None,
            sort: SortKey::CreatedAt,
            dir: Direction::Desc,
            page: 1,
            per_page: Self::DEFAULT_PER_PAGE,
        }
    }
}

impl UserQuery {
    pub const DEFAULT_PER_PAGE: u32 = 20;
    pub const MAX_PER_PAGE: u32 = 100;
    /// Pages past this are refused (falls back): deep offsets cost more than any admin needs.
    pub const MAX_PAGE: u32 = 10_000;
    pub const MAX_Q_CHARS: usize = 100;

    /// Reads the URL parameters; `get` returns a parameter's value.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let default = Self::default();
        let q: String = get("q")
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control())
            .take(Self::MAX_Q_CHARS)
            .collect::<String>()
            .trim()
            .to_owned();
        let sort = get("sort")
            .and_then(|s| SortKey::parse(&s))
            .unwrap_or(default.sort);
        let dir = match get("dir").as_deref() {
            Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            _ => sort.natural_direction(),
        };
        let number = |name: &str, min: u32, max: u32, fallback: u32| {
            get(name)
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|n| (min..=max).contains(n))
                .unwrap_or(fallback)
        };
        Self {
            q,
            status: get("status").and_then(|s| s.parse().ok()),
            role: get("role").and_then(|r| r.parse().ok()),
            verified: match get("verified").as_deref() {
                Some("yes") => Some(true),
                Some("no") => Some(false),
                _ => None,
            },
            sort,
            dir,
            page: number("page", 1, Self::MAX_PAGE, 1),
            per_page: number("per_page", 1, Self::MAX_PER_PAGE, Self::DEFAULT_PER_PAGE),
        }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }

    /// The URL parameters of this view, defaults left out, e.g. `q=kim&page=2`.
    pub fn to_query_string(&self) -> String {
        let default = Self::default();
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", self.q.clone()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status.as_str().to_owned()));
        }
        if let Some(role) = self.role {
            pairs.push(("role", role.as_str().to_owned()));
        }
        if let Some(verified) = self.verified {
            pairs.push(("verified", if verified { "yes" } else { "no" }.to_owned()));
        }
        if self.sort != default.sort {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.dir != self.sort.natural_direction() {
            pairs.push(("dir", self.dir.as_str().to_owned()));
        }
        if self.page != 1 {
            pairs.push(("page", self.page.to_string()));
        }
        if self.per_page != default.per_page {
            pairs.push(("per_page", self.per_page.to_string()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode_component(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// `base` with this view's parameters, e.g. `/admin/users?q=kim`.
    pub fn url(&self, base: &str) -> String {
        let query = self.to_query_string();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }

    pub fn with_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }

    /// The view sorted by `key`: the other direction if already sorted by it, else its natural one.
    pub fn sorted_by(&self, key: SortKey) -> Self {
        let dir = if self.sort == key {
            self.dir.reversed()
        } else {
            key.natural_direction()
        };
        Self {
            sort: key,
            dir,
            page: 1,
            ..self.clone()
        }
    }
}

/// The table's URL parameters as they came (the user table's server function takes these), to
/// be read by [`UserQuery::from_params`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserQueryParams {
    pub q: String,
    pub status: String,
    pub role: String,
    pub verified: String,
    pub sort: String,
    pub dir: String,
    pub page: String,
    pub per_page: String,
}

impl UserQueryParams {
    /// The view these parameters name; nonsense falls back to defaults.
    pub fn query(&self) -> UserQuery {
        UserQuery::from_params(|name| {
            let value = match name {
                "q" => &self.q,
                "status" => &self.status,
                "role" => &self.role,
                "verified" => &self.verified,
                "sort" => &self.sort,
                "dir" => &self.dir,
                "page" => &self.page,
                "per_page" => &self.per_page,
                _ => return None,
            };
            Some(value.clone()).filter(|v| !v.is_empty())
        })
    }
}

impl From<&UserQuery> for UserQueryParams {
    fn from(query: &UserQuery) -> Self {
        Self {
            q: query.q.clone(),
            status: query
                .status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            role: query
                .role
                .map(|r| r.as_str().to_owned())
                .unwrap_or_default(),
            verified: match query.verified {
                Some(true) => "yes".to_owned(),
                Some(false) => "no".to_owned(),
                None => String::new(),
            },
            sort: query.sort.as_str().to_owned(),
            dir: query.dir.as_str().to_owned(),
            page: query.page.to_string(),
            per_page: query.per_page.to_string(),
        }
    }
}

fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn a_view_survives_the_trip_through_the_server_functions_parameters() {
        let view = query(&[
            ("q", "김"),
            ("status", "LOCKED"),
            ("verified", "no"),
            ("page", "3"),
        ]);
        assert_eq!(UserQueryParams::from(&view).query(), view);
    }

    #[test]
    fn the_verified_filter_reads_yes_and_no_and_round_trips() {
        assert_eq!(query(&[("verified", "no")]).verified, Some(false));
        assert_eq!(query(&[("verified", "yes")]).verified, Some(true));
        assert_eq!(query(&[("verified", "maybe")]).verified, None);
        assert_eq!(
            query(&[("verified", "no")]).url("/admin/users"),
            "/admin/users?verified=no"
        );
    }

    fn query(pairs: &[(&str, &str)]) -> UserQuery {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        UserQuery::from_params(|name| map.get(name).cloned())
    }

    #[test]
    fn no_parameters_is_the_newest_first_first_page() {
        assert_eq!(query(&[]), UserQuery::default());
        assert_eq!(UserQuery::default().url("/admin/users"), "/admin/users");
    }

    #[test]
    fn every_bad_value_falls_back_to_its_default() {
        let q = query(&[
            ("status", "DELETED"),
            ("role", "root"),
            ("sort", "password_hash"),
            ("dir", "sideways"),
            ("page", "-3"),
            ("per_page", "100000"),
        ]);
        assert_eq!(q, UserQuery::default());
        assert_eq!(query(&[("page", "0")]).page, 1);
        assert_eq!(query(&[("page", "abc")]).page, 1);
        assert_eq!(query(&[("per_page", "0")]).per_page, 20);
    }

    #[test]
    fn good_values_are_kept_and_round_trip_through_the_url() {
        let q = query(&[
            ("q", " 김 민수 "),
            ("status", "LOCKED"),
            ("role", "OWNER"),
            ("sort", "name"),
            ("dir", "desc"),
            ("page", "3"),
            ("per_page", "50"),
        ]);
        assert_eq!(q.q, "김 민수");
        assert_eq!(q.status, Some(UserStatus::Locked));
        assert_eq!(q.offset(), 100);
        let url = q.url("/admin/users");
        let parsed: HashMap<String, String> = url
            .split_once('?')
            .unwrap()
            .1
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), percent_decode(v))
            })
            .collect();
        assert_eq!(UserQuery::from_params(|n| parsed.get(n).cloned()), q);
    }

    fn percent_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sorting_by_the_current_key_flips_the_direction() {
        let q = UserQuery::default();
        assert_eq!(q.sorted_by(SortKey::CreatedAt).dir, Direction::Asc);
        assert_eq!(q.sorted_by(SortKey::Name).dir, Direction::Asc);
        assert_eq!(q.with_page(4).sorted_by(SortKey::Email).page, 1);
    }

    #[test]
    fn the_search_text_is_bounded_and_has_no_control_characters() {
        let q = query(&[("q", &format!("a\0b{}", "x".repeat(500)))]);
        assert!(q.q.starts_with("ab"));
        assert_eq!(q.q.chars().count(), UserQuery::MAX_Q_CHARS);
    }
}
