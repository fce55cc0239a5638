//! HTTP tests against the real app, each on a fresh PostgreSQL database and a real Redis.
//! One test binary, one module per feature.

mod access;
mod admin;
mod admin_recovery;
mod authorization;
mod backends;
mod cli;
mod email_verification;
mod fuzz;
mod health;
mod helpers;
mod lockout;
mod login;
mod logout;
mod outages;
mod pages;
mod password;
mod process;
mod profile;
mod reauthentication;
mod recovery;
mod security;
mod seed;
mod sessions;
mod signup;
mod throttle;
mod timing;
mod tokens;
mod two_nodes;
mod withdraw;
