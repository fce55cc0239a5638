//! Structured logs with `tracing`: JSON lines when stdout is not a terminal (what a log
//! collector wants), readable lines when a person is watching. `RUST_LOG` filters.
//!
//! While a command shows a progress bar (`seed`), each log line is written above the bar
//! ([`log_above`]) instead of through the middle of it.

use std::{
    io::{self, IsTerminal, Write},
    sync::{Mutex, PoisonError},
};

use indicatif::ProgressBar;
use tracing_subscriber::{fmt, fmt::MakeWriter, EnvFilter};

pub fn init_subscriber() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,fred=warn"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_writer(LogWriter);
    // Errors only if a subscriber is already set (tests), which is fine.
    let _ = if io::stdout().is_terminal() {
        builder.try_init()
    } else {
        builder.json().flatten_event(true).try_init()
    };
}

/// The progress bar being drawn, if any.
static PROGRESS_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Until the returned guard is dropped, log lines are written above `bar`: the bar is lifted,
/// the line written, the bar drawn again.
#[must_use = "log lines go above the bar only while the guard lives"]
pub fn log_above(bar: &ProgressBar) -> LogAbove {
    let previous = PROGRESS_BAR
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .replace(bar.clone());
    LogAbove { previous }
}

pub struct LogAbove {
    previous: Option<ProgressBar>,
}

impl Drop for LogAbove {
    fn drop(&mut self) {
        *PROGRESS_BAR.lock().unwrap_or_else(PoisonError::into_inner) = self.previous.take();
    }
}

/// Hands the subscriber a buffer per event, written out whole when the event is formatted.
struct LogWriter;

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = LogLine;

    fn make_writer(&'a self) -> LogLine {
        LogLine(Vec::with_capacity(256))
    }
}

struct LogLine(Vec<u8>);

impl Write for LogLine {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        // A log line that cannot be written has nowhere else to go.
        let write = || {
            let _ = io::stdout().lock().write_all(&self.0);
        };
        let bar = PROGRESS_BAR
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}
