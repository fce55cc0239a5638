//! Derived values that the server works out once.
//!
//! The server renders a page after its data has arrived, and nothing a page reads changes while
//! it is rendered. A derived signal is worked out again at every read, and a memo checks its
//! sources at every read; a form's fields read theirs a dozen times each, and on the profile
//! page that was a sixth of the server's time. On the server these are stored values, worked
//! out once; in the browser they are what their names say.

use leptos::prelude::*;

/// `Signal::derive(f)` in the browser; `f()`, once, on the server.
pub fn derived<T>(f: impl Fn() -> T + Send + Sync + 'static) -> Signal<T>
where
    T: Send + Sync + 'static,
{
    #[cfg(feature = "ssr")]
    {
        Signal::stored(untrack(f))
    }
    #[cfg(not(feature = "ssr"))]
    {
        Signal::derive(f)
    }
}

/// A memo of `f` in the browser; `f()`, once, on the server.
pub fn memo<T>(f: impl Fn() -> T + Send + Sync + 'static) -> Signal<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    #[cfg(feature = "ssr")]
    {
        Signal::stored(untrack(f))
    }
    #[cfg(not(feature = "ssr"))]
    {
        Memo::new(move |_| f()).into()
    }
}
