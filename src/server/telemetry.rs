//! Structured logs with `tracing`: JSON lines when stdout is not a terminal (what a log
//! collector wants), readable lines when a person is watching. `RUST_LOG` filters.

use std::io::IsTerminal;

use tracing_subscriber::{fmt, EnvFilter};

pub fn init_subscriber() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,fred=warn"));
    let builder = fmt().with_env_filter(filter).with_target(true);
    // Errors only if a subscriber is already set (tests), which is fine.
    let _ = if std::io::stdout().is_terminal() {
        builder.try_init()
    } else {
        builder.json().flatten_event(true).try_init()
    };
}
