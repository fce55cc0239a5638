use std::fmt;

use serde::{Deserialize, Serialize};

/// A place on this site to return to after signing in (the `next` parameter).
///
/// Only a local absolute path is accepted, never a URL that leaves the site: no scheme, no
/// `//host` or `/\host` (browsers read both as another host), and only printable ASCII, which
/// is also what an HTTP `Location` header may carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextPath(String);

impl NextPath {
    pub const MAX_LEN: usize = 2048;

    pub fn parse(raw: &str) -> Option<Self> {
        let local = raw.starts_with('/') && !raw.starts_with("//") && !raw.starts_with("/\\");
        let printable = raw.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
        (local
            && printable
            && raw.len() <= Self::MAX_LEN
            && !raw.starts_with("/api/")
            && !names_a_form_error_parameter(raw))
        .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `/login?next=...` for a visitor who must sign in before seeing this path.
    pub fn login_url(&self) -> String {
        if self.0 == "/" {
            return "/login".to_owned();
        }
        let mut url = String::from("/login?next=");
        for b in self.0.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                    url.push(b as char)
                }
                _ => url.push_str(&format!("%{b:02X}")),
            }
        }
        url
    }
}

/// Whether the path's query names one of the parameters leptos and the flash layer use for a
/// form's error (`__err`, `__path`, `__flash`; underscores perhaps percent-encoded): never part
/// of a page worth returning to, and only a way to make the sign-in's redirect look like a
/// failed form's.
fn names_a_form_error_parameter(path: &str) -> bool {
    let Some((_, query)) = path.split_once('?') else {
        return false;
    };
    query.split('&').any(|pair| {
        let name = pair.split('=').next().unwrap_or_default();
        name.replace("%5F", "_")
            .replace("%5f", "_")
            .starts_with("__")
    })
}

impl fmt::Display for NextPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_accepted() {
        for ok in ["/", "/profile", "/admin/users?q=kim&page=2", "/a%20b"] {
            assert_eq!(NextPath::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_is_refused() {
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil.example/profile",
            "/profile\r\nSet-Cookie: x=y",
            "/프로필",
            "/a b",
            "javascript:alert(1)",
            "/api/logout",
        ] {
            assert!(NextPath::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn a_form_errors_parameters_are_no_place_to_return_to() {
        for bad in [
            "/profile?__err=1",
            "/profile?tab=store&__path=%2Fapi%2Flogin",
            "/profile?%5F%5Fflash=abc",
            "/profile?%5f_err",
        ] {
            assert!(NextPath::parse(bad).is_none(), "{bad:?}");
        }
        assert!(NextPath::parse("/admin/users?q=a__b").is_some());
    }

    #[test]
    fn the_login_url_encodes_the_query_of_the_path() {
        let next = NextPath::parse("/admin/users?q=kim&page=2").unwrap();
        assert_eq!(
            next.login_url(),
            "/login?next=/admin/users%3Fq%3Dkim%26page%3D2"
        );
    }
}
