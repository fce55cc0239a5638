//! Everything that runs only on the server: configuration, PostgreSQL, Redis sessions, bcrypt,
//! the HTTP stack and the command line. Nothing outside this module and server function bodies
//! uses it.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod admin_routes;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod client;
pub mod config;
pub mod context;
pub mod devices;
pub mod error;
pub mod form_flash;
pub mod hashing_pool;
pub mod health;
pub mod lockout;
pub mod outbox;
pub mod password;
pub mod plain_pages;
pub mod reauthentication;
pub mod redis_guard;
pub mod security;
pub mod seed;
pub mod server_fn_status;
pub mod session;
pub mod session_registry;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod throttle;
pub mod users;
pub mod window_counter;
