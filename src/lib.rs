//! The account service: owners sign up with their store and keep their profiles current;
//! admins manage every account.
//!
//! One crate, two builds. `domain`, `error`, `components`, `pages`, `page_data`, `api` and
//! `app` compile for both the server (`ssr`) and the browser bundle (`hydrate`); `server`
//! (PostgreSQL, Redis, bcrypt, the HTTP stack) exists only in the server build.

// The user table's view is one deeply nested type (a row's cells and its action form), deeper
// than the compiler's default limit for the browser build's hydration code.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod page_data;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Lets end-to-end tests (and curious people) see that the page is interactive now.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
