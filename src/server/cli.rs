//! The command line: `serve` (the default), `migrate`, `create-admin`, `set-password`, `seed`
//! and `generate-signing-key`.

use std::io::{BufRead, IsTerminal};

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use super::{
    audit,
    config::{bcrypt_cost_from_env, DatabaseSettings, Settings},
    notices, outbox,
    password::PasswordHasher,
    seed,
    startup::{connect_database, migrate, shutdown_signal, Application},
    tokens::keys::generate_pem,
    users::{self, AccountWriteError, NewAdmin},
};
use crate::domain::{
    admin::{AuditAction, AUTOMATIC_LOCK},
    Email, Password, PersonName, PhoneNumber, UserStatus,
};

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
    /// Set an account's password: for an admin locked out of everything. Lifts an automatic
    /// lock (with --unlock, any lock), ends every session of the account (once the app runs)
    /// and tells its owner by e-mail.
    SetPassword(SetPasswordArgs),
    /// Insert realistic owners with stores (for demos and benchmarks).
    Seed {
        /// How many owners to insert.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        users: u64,
    },
    /// Write a new Ed25519 key for signing access tokens (PKCS#8 PEM, readable by its owner
    /// only) and print its key id. See the README on rotating keys.
    GenerateSigningKey {
        /// The file to write; an existing file is never overwritten.
        #[arg(long)]
        out: std::path::PathBuf,
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

#[derive(Debug, Args)]
pub struct SetPasswordArgs {
    /// The account's sign-in e-mail address.
    #[arg(long)]
    pub email: String,
    /// Read the new password from the first line of standard input (otherwise from the
    /// USER_SERVICE_ADMIN_PASSWORD environment variable).
    #[arg(long)]
    pub password_stdin: bool,
    /// Also make a LOCKED or INACTIVE account ACTIVE again.
    #[arg(long)]
    pub unlock: bool,
}

/// How many migrations the database has recorded (none before the first run).
async fn applied_migrations(db: &sqlx::PgPool) -> anyhow::Result<i64> {
    let recorded: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(db)
        .await?;
    if !recorded {
        return Ok(0);
    }
    Ok(sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(db)
        .await?)
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Migrate => {
            let db = connect_database(&DatabaseSettings::from_env()?).await?;
            let before = applied_migrations(&db).await?;
            migrate(&db).await?;
            match applied_migrations(&db).await? - before {
                0 => println!("the database is up to date (no migration to apply)"),
                new => println!("applied {new} migration(s); the database is up to date"),
            }
            Ok(())
        }
        Command::CreateAdmin(args) => create_admin(args).await,
        Command::SetPassword(args) => set_password(args).await,
        Command::GenerateSigningKey { out } => generate_signing_key(&out),
        Command::Seed { users } => {
            let settings = DatabaseSettings {
                log_statements: false,
                ..DatabaseSettings::from_env()?
            };
            let db = connect_database(&settings).await?;
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

/// The password from stdin (`--password-stdin`) or the environment.
fn given_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        return read_password_line();
    }
    match std::env::var(ADMIN_PASSWORD_ENV) {
        Ok(p) => Ok(p),
        Err(_) => bail!("no password given: pass --password-stdin or set {ADMIN_PASSWORD_ENV}"),
    }
}

async fn hash(password: &Password) -> anyhow::Result<String> {
    PasswordHasher::new(bcrypt_cost_from_env()?)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .hash(password)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
}

async fn create_admin(args: CreateAdminArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).context("--email")?;
    let name = PersonName::parse(&args.name).context("--name")?;
    let phone_number = PhoneNumber::parse(&args.phone).context("--phone")?;
    let password = Password::parse(&given_password(args.password_stdin)?).context("password")?;
    if password.expose() == email.as_str() {
        bail!("password: the password must not be the e-mail address");
    }

    let db = connect_database(&DatabaseSettings::from_env()?).await?;
    migrate(&db).await?;
    let password_hash = hash(&password).await?;
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

async fn set_password(args: SetPasswordArgs) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).context("--email")?;
    let password =
        Password::parse_for_account(&given_password(args.password_stdin)?, email.as_str(), &[])
            .context("password")?;
    let db = connect_database(&DatabaseSettings::from_env()?).await?;
    migrate(&db).await?;
    let Some(account) = users::find_account_by_email(&db, &email).await? else {
        bail!("no account has the e-mail {email}; nothing was changed");
    };
    if account.status == UserStatus::Withdrawn {
        bail!("the account {email} was withdrawn; nothing was changed");
    }
    let password_hash = hash(&password).await?;
    let mut tx = db.begin().await?;
    // The running app's outbox worker ends the sessions (this command does not reach Redis).
    let revocation = users::set_password(
        &mut tx,
        &account,
        &password_hash,
        notices::PasswordChange::ByOperator,
    )
    .await?;
    outbox::leave_to_worker(&mut tx, revocation).await?;
    if args.unlock && matches!(account.status, UserStatus::Locked | UserStatus::Inactive) {
        sqlx::query("UPDATE users SET status = 'ACTIVE', locked_until = NULL WHERE id = $1")
            .bind(account.id)
            .execute(&mut *tx)
            .await?;
        let before = if account.locked_until.is_some() {
            AUTOMATIC_LOCK
        } else {
            account.status.as_str()
        };
        audit::record_by_operator(
            &mut tx,
            audit::Change {
                target_id: account.id,
                target_email: &account.email,
                action: AuditAction::SetStatus,
                before: Some(before.to_owned()),
                after: Some(UserStatus::Active.as_str().to_owned()),
            },
        )
        .await?;
    }
    tx.commit().await?;
    let unlocked = if args.unlock && account.status != UserStatus::Active {
        " and made it active"
    } else {
        ""
    };
    println!(
        "set the password of {email}{unlocked}; its sessions end as soon as the app runs, and its owner is told by e-mail"
    );
    Ok(())
}

fn generate_signing_key(out: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let (kid, pem) = generate_pem();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    file.write_all(secrecy::ExposeSecret::expose_secret(&pem).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("wrote a new signing key to {} (kid {kid})", out.display());
    Ok(())
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
