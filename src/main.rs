//! `user-service`: serve the app, migrate the database, or create an admin.

use std::process::ExitCode;

use clap::Parser;
use user_service::server::{cli, telemetry};

/// Rendering a page allocates many small, short-lived objects; mimalloc serves them faster
/// than glibc's malloc (a fifth of the server's time under load went to malloc and free).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env file is normal; its variables are optional conveniences.
    let _ = dotenvy::dotenv();
    let cli = cli::Cli::parse();
    telemetry::init_subscriber();
    match cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: what failed and why, with the causes joined by ": ".
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
