//! The command line: `serve` (the default), `migrate` and `create-admin`.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use super::{
    config::{bcrypt_cost_from_env, DatabaseSettings, Settings},
    password::PasswordHasher,
    seed,
    startup::{connect_database, migrate, shutdown_signal, Application},
    users::{self, AccountWriteError, NewAdmin},
};
use crate::domain::{Email, Password, PersonName, PhoneNumber};

/// Where the password of `create-admin` can come from when `--password-stdin` is not given.
pub const ADMIN_PASSWORD_ENV: &str = "USER_SERVICE_ADMIN_PASSWORD";

#[derive(Debug, Parser)]
#[command(
    name = "user-service",
    version,
    about = "Account service: owners, stores and admins"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator account.
    CreateAdmin(CreateAdminArgs),
    /// Insert realistic owners with stores (for demos and benchmarks).
    Seed {
        /// How many owners to insert.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        users: u64,
    },
}

#[derive(Debug, Args)]
pub struct CreateAdminArgs {
    /// The sign-in e-mail address.
    #[arg(long)]
    pub email: String,
    /// The admin's name as shown in the console.
    #[arg(long)]
    pub name: String,
    /// A Korean mobile number, e.g. 010-1234-5678.
    #[arg(long)]
    pub phone: String,
    /// Read the password from the first line of standard input (otherwise from the
    /// USER_SERVICE_ADMIN_PASSWORD environment variable).
    #[arg(long)]
    pub password_stdin: bool,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Migrate => {
            let db = connect_database(&DatabaseSettings::from_env()?).await?;
            migrate(&db).await?;
            println!("migrations are up to date");
            Ok(())
        }
        Command::CreateAdmin(args) => create_admin(args).await,
        Command::Seed { users } => {
            let db = connect_database(&DatabaseSettings::from_env()?).await?;
            migrate(&db).await?;
            let hash = bcrypt::hash(seed::SEED_PASSWORD, bcrypt_cost_from_env()?)?;
            let started = std::time::Instant::now();
            let times = seed::seed(&db, users, &hash).await?;
            println!(
                "seeded {users} owners with stores in {:.1} s (rows {:.1} s, indexes {:.1} s, \
                 vacuum {:.1} s); each signs in with the password {}",
                started.elapsed().as_secs_f64(),
                times.rows.as_secs_f64(),
                times.indexes.as_secs_f64(),
                times.vacuum.as_secs_f64(),
                seed::SEED_PASSWORD
            );
            Ok(())
        }
    }
}

async fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let app = Application::build(settings).await?;
    tracing::info!(address = %app.local_addr(), "listening on http://{}", app.local_addr());
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn create_admin(args: CreateAdminArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).context("--email")?;
    let name = PersonName::parse(&args.name).context("--name")?;
    let phone_number = PhoneNumber::parse(&args.phone).context("--phone")?;
    let raw_password = if args.password_stdin {
        read_password_line()?
    } else {
        match std::env::var(ADMIN_PASSWORD_ENV) {
            Ok(p) => p,
            Err(_) => bail!("no password given: pass --password-stdin or set {ADMIN_PASSWORD_ENV}"),
        }
    };
    let password = Password::parse(&raw_password).context("password")?;
    if password.expose() == email.as_str() {
        bail!("password: the password must not be the e-mail address");
    }

    let db = connect_database(&DatabaseSettings::from_env()?).await?;
    migrate(&db).await?;
    let cost = bcrypt_cost_from_env()?;
    let password_hash = PasswordHasher::new(cost)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .hash(&password)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let admin = NewAdmin {
        name,
        email,
        phone_number,
        password_hash,
    };
    match users::create_admin(&db, &admin).await {
        Ok(id) => {
            println!("created admin {} (id {id})", admin.email);
            Ok(())
        }
        Err(AccountWriteError::EmailTaken) => {
            bail!(
                "an account with the e-mail {} already exists; nothing was changed",
                admin.email
            )
        }
        Err(AccountWriteError::PhoneNumberTaken) => bail!(
            "an account with the phone number {} already exists; nothing was changed",
            admin.phone_number
        ),
        Err(AccountWriteError::Database(e)) => Err(e).context("cannot create the admin"),
    }
}

fn read_password_line() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
