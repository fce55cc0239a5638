//! HTTP tests against the real app, each on a fresh PostgreSQL database and a real Redis.
//! One test binary, one module per feature.

mod admin;
mod cli;
mod health;
mod helpers;
mod lockout;
mod login;
mod logout;
mod pages;
mod password;
mod profile;
mod security;
mod seed;
mod signup;
mod throttle;
mod withdraw;
