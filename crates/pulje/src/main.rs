//! `pulje`: serve the web application, migrate the database, manage users, back up, import,
//! write reports.

mod allocator;
mod import;
mod programme;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use pulje_domain::{Email, RegionCode, Role};
use pulje_store::{sessions, users, Actor, Db};
use std::io::Read;

#[derive(Parser)]
#[command(
    name = "pulje",
    version,
    about = "Puljer og forsøgsaftaler for afdelingslæger"
)]
struct Cli {
    /// Database: a SQLite file path or sqlite:// URL (default pulje.db), or postgres://…
    #[arg(
        long,
        global = true,
        env = "PULJE_DATABASE_URL",
        hide_env_values = true,
        default_value = "pulje.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web application (migrates the database first).
    Serve(Box<ServeArgs>),
    /// Bring the database schema and reference data up to date, then exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Make a consistent copy of a SQLite database while it is in use.
    Backup {
        /// The file to write; must not exist.
        #[arg(long)]
        output: String,
    },
    /// Replace the SQLite database with a backup (stop the server first).
    Restore {
        /// The backup file made by `pulje backup`.
        #[arg(long)]
        input: String,
    },
    /// Read agreement forms or trial lists from files, and store them (or print them with --json).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Write a report: a region's evaluation report or the national view.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Programme definitions: import a definition file, export a programme's definition.
    #[command(subcommand)]
    Programme(programme::ProgrammeCommand),
}

#[derive(Subcommand)]
enum ReportCommand {
    /// A region's evaluation report.
    Regional {
        /// Region code 1081–1085.
        #[arg(long)]
        region: String,
        #[command(flatten)]
        out: ReportOutput,
    },
    /// The five regions side by side.
    National {
        #[command(flatten)]
        out: ReportOutput,
    },
}

#[derive(Args)]
struct ReportOutput {
    /// Programme identifier.
    #[arg(long, default_value = "ok21")]
    programme: String,
    /// html, pdf, xlsx or json.
    #[arg(long)]
    format: String,
    /// The file to write; standard output when left out.
    #[arg(long)]
    output: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PULJE_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// The address users reach pulje at (e.g. https://pulje.region.dk), for the links in mail;
    /// by default http:// and the address it listens on. A malformed one is refused at start-up.
    #[arg(long, env = "PULJE_PUBLIC_URL")]
    public_url: Option<pulje_app::PublicUrl>,
    /// The secretariat users contact, shown on /kontakt, the privacy notice and the
    /// accessibility statement (e.g. "Sekretariatet for puljen, Region Midtjylland").
    #[arg(long, env = "PULJE_CONTACT_NAME", default_value = "")]
    contact_name: String,
    /// The secretariat's e-mail address.
    #[arg(long, env = "PULJE_CONTACT_EMAIL", value_parser = contact_email)]
    contact_email: Option<pulje_domain::Email>,
    /// The secretariat's telephone number.
    #[arg(long, env = "PULJE_CONTACT_PHONE", value_parser = contact_phone)]
    contact_phone: Option<String>,
    /// The accessibility statement made in the Agency for Digital Government's tool (an
    /// https:// address); without it /tilgaengelighed shows pulje's own statement.
    #[arg(long, env = "PULJE_ACCESSIBILITY_STATEMENT_URL", value_parser = statement_url)]
    accessibility_statement_url: Option<String>,
    /// Add demo users (one per role, new random passwords printed at start) and sample applications.
    #[arg(long)]
    demo: bool,
    /// Minutes a session may go unused before it ends (besides its absolute 12 hours).
    #[arg(long, env = "PULJE_SESSION_IDLE_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=720))]
    session_idle_minutes: u64,
    /// Mark cookies Secure; set this when pulje is served over HTTPS.
    #[arg(long, env = "PULJE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Failed logins for one account (or one known device) before each further attempt must wait:
    /// 4 seconds, doubling, at most 5 minutes.
    #[arg(long, env = "PULJE_LOGIN_MAX_FAILURES", default_value_t = 5)]
    login_max_failures: i64,
    /// The same for one source address, over all accounts.
    #[arg(
        long,
        env = "PULJE_LOGIN_MAX_FAILURES_PER_ADDRESS",
        default_value_t = 20
    )]
    login_max_failures_per_address: i64,
    /// Addresses of reverse proxies in front of pulje whose X-Forwarded-For header names the
    /// client's address (comma-separated); from anyone else the header is ignored.
    #[arg(long, env = "PULJE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = proxy_address)]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Seconds a connection may take to send a request's header, and may stay idle between
    /// requests, before it is closed.
    #[arg(long, env = "PULJE_HEADER_TIMEOUT_SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout_seconds: u64,
    /// Largest file accepted by the upload pages (imports), in bytes.
    #[arg(long, env = "PULJE_MAX_UPLOAD_BYTES", default_value_t = 20_000_000)]
    max_upload_bytes: usize,
    /// SMTP server for notifications; without it messages are only shown on the outbox page.
    #[arg(long, env = "PULJE_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "PULJE_SMTP_PORT", default_value_t = 587)]
    smtp_port: u16,
    #[arg(long, env = "PULJE_SMTP_USERNAME")]
    smtp_username: Option<String>,
    #[arg(long, env = "PULJE_SMTP_PASSWORD", hide_env_values = true)]
    smtp_password: Option<pulje_app::Secret>,
    /// Sender address, e.g. "pulje <pulje@region.dk>".
    #[arg(
        long,
        env = "PULJE_SMTP_FROM",
        default_value = "pulje <pulje@localhost>"
    )]
    smtp_from: String,
    /// starttls, tls or none (only for a relay on the same machine); anything else is refused at
    /// start-up.
    #[arg(long, env = "PULJE_SMTP_SECURITY", default_value = "starttls")]
    smtp_security: pulje_app::mailer::SmtpSecurity,
    /// Single sign-on: the OpenID Connect issuer (e.g.
    /// https://login.microsoftonline.com/<tenant>/v2.0). Its discovery document is read on first
    /// use. The redirect URI to register with it is the public URL + /login/oidc/callback.
    #[arg(long, env = "PULJE_OIDC_ISSUER", requires = "oidc_client_id")]
    oidc_issuer: Option<String>,
    /// The client id pulje is registered with at the issuer.
    #[arg(long, env = "PULJE_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// The client's secret (leave out for a public client).
    #[arg(long, env = "PULJE_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<pulje_app::Secret>,
    /// The provider's name on the login page: "Log ind med <name>".
    #[arg(
        long,
        env = "PULJE_OIDC_PROVIDER_NAME",
        default_value = "din organisations login"
    )]
    oidc_provider_name: String,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// applicant, leader, working_group, steering_group, union_rep, region_admin, national_viewer or admin.
        #[arg(long)]
        role: String,
        /// Region code 1081–1085; required for regional roles.
        #[arg(long)]
        region: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Invite a user: created without a password, with a mail queued holding a one-time link
    /// (72 hours) to choose one. Prints nothing secret unless --print-link.
    Invite {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// applicant, leader, working_group, steering_group, union_rep, region_admin, national_viewer or admin.
        #[arg(long)]
        role: String,
        /// Region code 1081–1085; required for regional roles.
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        link: LinkArgs,
    },
    /// Give a user another role (and region: required when a regional role has none yet;
    /// a national role has none).
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        region: Option<String>,
    },
    /// Send a user a link (1 hour) to choose a new password, or with --password-stdin set it
    /// directly. Either way the user's sessions end when the password is set.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Read the new password from standard input instead of sending a link.
        #[arg(long, conflicts_with = "print_link")]
        password_stdin: bool,
        #[command(flatten)]
        link: LinkArgs,
    },
    /// List users.
    List,
    /// Disable a user: ends their sessions and revokes their API tokens.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Print a new API token for a user (stored hashed; revocable from the user's page).
    Token {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Oprettet fra kommandolinjen")]
        label: String,
        /// Days the token is valid (1–365).
        #[arg(long, default_value_t = pulje_store::sessions::TOKEN_DAYS,
              value_parser = clap::value_parser!(i64).range(1..=pulje_store::sessions::TOKEN_MAX_DAYS))]
        days: i64,
    },
}

/// Where the links in the mail point, and whether to print the link.
#[derive(Args)]
struct LinkArgs {
    /// The address users reach pulje at (e.g. https://pulje.region.dk), for the link.
    #[arg(long, env = "PULJE_PUBLIC_URL")]
    public_url: Option<pulje_app::PublicUrl>,
    /// Also print the link on standard output (for an installation without mail); it is
    /// secret: whoever has it can choose the user's password.
    #[arg(long)]
    print_link: bool,
}

fn region_arg(region: Option<String>) -> anyhow::Result<Option<RegionCode>> {
    region
        .map(|r| {
            RegionCode::parse(&r)
                .with_context(|| format!("ukendt regionskode «{r}» (brug 1081–1085)"))
        })
        .transpose()
}

/// The CLI's refusal for a service error.
fn cli_error(e: pulje_app::Error) -> anyhow::Error {
    match e {
        pulje_app::Error::NotFound => anyhow::anyhow!("findes ikke"),
        pulje_app::Error::Forbidden(m)
        | pulje_app::Error::Invalid(m)
        | pulje_app::Error::Conflict(m) => anyhow::anyhow!(m),
        pulje_app::Error::Internal(e) => e,
    }
}

async fn user_by_email(db: &Db, email: &str) -> anyhow::Result<users::User> {
    let mut conn = db.conn().await?;
    users::find_by_email(&mut conn, email)
        .await?
        .with_context(|| format!("ingen bruger med e-mail {email}"))
}

async fn accounts_command(database: &str, command: UserCommand) -> anyhow::Result<()> {
    use pulje_app::accounts::{self, By};
    let by = By::system("cli");
    let db = open(database).await?;
    let mut handle = db.handle();
    match command {
        UserCommand::Invite {
            email,
            name,
            role,
            region,
            link,
        } => {
            let profile = users::Profile {
                email: Email::parse(&email).map_err(anyhow::Error::msg)?,
                name,
                role: Role::parse(&role).with_context(|| format!("ukendt rolle «{role}»"))?,
                region: region_arg(region)?,
            };
            let base = link.public_url.unwrap_or_default();
            let issued = accounts::invite(&mut handle, &by, &profile, &base)
                .await
                .map_err(cli_error)?;
            println!(
                "Bruger {} oprettet (id {}); invitationen ligger i udbakken.",
                issued.user.email, issued.user.id
            );
            if link.print_link {
                println!("{}", issued.link);
            }
        }
        UserCommand::SetRole {
            email,
            role,
            region,
        } => {
            let user = user_by_email(&db, &email).await?;
            let role = Role::parse(&role).with_context(|| format!("ukendt rolle «{role}»"))?;
            let region = match region_arg(region)? {
                Some(r) => Some(r),
                None if role.is_regional() => user.region,
                None => None,
            };
            let profile = users::Profile {
                email: Email::parse(&user.email).map_err(anyhow::Error::msg)?,
                name: user.name.clone(),
                role,
                region,
            };
            let after = accounts::edit(&mut handle, &by, user.id, &profile)
                .await
                .map_err(cli_error)?;
            println!(
                "Bruger {} har nu rollen {}{}.",
                after.email,
                after.role.as_str(),
                after
                    .region
                    .map(|r| format!(" i region {}", r.code()))
                    .unwrap_or_default()
            );
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
            link,
        } => {
            let user = user_by_email(&db, &email).await?;
            if password_stdin {
                let mut password = String::new();
                std::io::stdin().read_to_string(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']);
                accounts::set_password(&mut handle, &by, user.id, password)
                    .await
                    .map_err(cli_error)?;
                println!(
                    "Ny adgangskode gemt for {}; brugerens sessioner er afsluttet.",
                    user.email
                );
            } else {
                let base = link.public_url.unwrap_or_default();
                let issued = accounts::issue_reset(&mut handle, &by, user.id, &base)
                    .await
                    .map_err(cli_error)?;
                println!(
                    "Et link til ny adgangskode for {} ligger i udbakken.",
                    issued.user.email
                );
                if link.print_link {
                    println!("{}", issued.link);
                }
            }
        }
        UserCommand::Enable { email } => {
            let user = user_by_email(&db, &email).await?;
            accounts::set_disabled(&mut handle, &by, user.id, false)
                .await
                .map_err(cli_error)?;
            println!("Bruger {} er aktiveret.", user.email);
        }
        _ => bail!("not an account command"),
    }
    drop(handle);
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() {
    allocator::give_back_at_once();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PULJE_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("fejl: {e:#}");
        std::process::exit(1);
    }
}

/// A database URL as it may be shown: a PostgreSQL URL's password replaced by `***`.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url)
        .await
        .with_context(|| format!("kan ikke åbne databasen {}", without_password(url)))?;
    db.migrate().await.context("kan ikke migrere databasen")?;
    Ok(db)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cli_actor = Actor::system("cli");
    match cli.command {
        Command::Serve(args) => serve(&cli.database, *args).await,
        Command::Import(command) => import::run(command, &cli.database).await,
        Command::Programme(command) => {
            let db = open(&cli.database).await?;
            let result = programme::run(command, &db).await;
            db.close().await;
            result
        }
        Command::Migrate => {
            open(&cli.database).await?;
            println!("Databasen er opdateret.");
            Ok(())
        }
        Command::Backup { output } => {
            if std::path::Path::new(&output).exists() {
                bail!("{output} findes allerede; vælg et nyt filnavn");
            }
            let db = open(&cli.database).await?;
            db.backup_sqlite(&output).await?;
            println!("Sikkerhedskopi skrevet til {output}");
            Ok(())
        }
        Command::Restore { input } => {
            pulje_store::restore_sqlite(&input, &cli.database).await?;
            open(&cli.database).await?;
            println!("Databasen {} er gendannet fra {input}", cli.database);
            Ok(())
        }
        Command::User(UserCommand::Add {
            email,
            name,
            role,
            region,
            password_stdin,
        }) => {
            if !password_stdin {
                bail!("angiv --password-stdin og skriv adgangskoden på standard input");
            }
            let email = Email::parse(&email).map_err(anyhow::Error::msg)?;
            let role = Role::parse(&role).with_context(|| format!("ukendt rolle «{role}»"))?;
            let region = match region {
                Some(r) => Some(
                    RegionCode::parse(&r)
                        .with_context(|| format!("ukendt regionskode «{r}» (brug 1081–1085)"))?,
                ),
                None => None,
            };
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let db = open(&cli.database).await?;
            let mut tx = db.begin().await?;
            let user = users::create(
                &mut tx,
                &cli_actor,
                &users::NewUser {
                    email,
                    name,
                    role,
                    region,
                    password,
                },
            )
            .await?;
            tx.commit().await?;
            println!("Bruger {} oprettet (id {}).", user.email, user.id);
            Ok(())
        }
        Command::Report(command) => report(&cli.database, command).await,
        Command::User(
            command @ (UserCommand::Invite { .. }
            | UserCommand::SetRole { .. }
            | UserCommand::ResetPassword { .. }
            | UserCommand::Enable { .. }),
        ) => accounts_command(&cli.database, command).await,
        Command::User(UserCommand::List) => {
            let db = open(&cli.database).await?;
            let mut conn = db.conn().await?;
            for u in users::list(&mut conn, None).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.email,
                    u.name,
                    u.role.as_str(),
                    u.region
                        .map(|r| r.code().to_string())
                        .unwrap_or_else(|| "-".into()),
                    if u.disabled { "deaktiveret" } else { "aktiv" }
                );
            }
            Ok(())
        }
        Command::User(UserCommand::Disable { email }) => {
            let db = open(&cli.database).await?;
            let mut tx = db.begin().await?;
            let user = users::find_by_email(&mut tx, &email)
                .await?
                .with_context(|| format!("ingen bruger med e-mail {email}"))?;
            users::set_disabled(&mut tx, &cli_actor, user.id, true).await?;
            tx.commit().await?;
            println!("Bruger {} er deaktiveret.", user.email);
            Ok(())
        }
        Command::User(UserCommand::Token { email, label, days }) => {
            let db = open(&cli.database).await?;
            let mut tx = db.begin().await?;
            let user = users::find_by_email(&mut tx, &email)
                .await?
                .with_context(|| format!("ingen bruger med e-mail {email}"))?;
            if user.disabled {
                bail!("brugeren {email} er deaktiveret");
            }
            let (_, raw) =
                sessions::create_token(&mut tx, &cli_actor, user.id, &label, days).await?;
            tx.commit().await?;
            println!("{raw}");
            Ok(())
        }
    }
}

async fn report(database: &str, command: ReportCommand) -> anyhow::Result<()> {
    use pulje_app::reports::{render_national, render_regional, Format};
    let (region, out) = match command {
        ReportCommand::Regional { region, out } => {
            let code = RegionCode::parse(&region)
                .with_context(|| format!("ukendt regionskode «{region}» (brug 1081–1085)"))?;
            (Some(code), out)
        }
        ReportCommand::National { out } => (None, out),
    };
    let format = Format::parse(&out.format).with_context(|| {
        format!(
            "ukendt format «{}» (brug html, pdf, xlsx eller json)",
            out.format
        )
    })?;
    let db = open(database).await?;
    let mut conn = db.conn().await?;
    let missing = |e: pulje_store::StoreError| match e {
        pulje_store::StoreError::NotFound => {
            anyhow::anyhow!("ukendt program «{}»", out.programme)
        }
        e => anyhow::Error::new(e),
    };
    let bytes = match region {
        Some(code) => {
            let r = pulje_store::reports::regional(&mut conn, &out.programme, code)
                .await
                .map_err(missing)?;
            render_regional(&r, format)?
        }
        None => {
            let n = pulje_store::reports::national(&mut conn, &out.programme)
                .await
                .map_err(missing)?;
            render_national(&n, format)?
        }
    };
    drop(conn);
    db.close().await;
    match &out.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("kan ikke skrive {path}"))?
        }
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    Ok(())
}

async fn serve(database: &str, args: ServeArgs) -> anyhow::Result<()> {
    let db = open(database).await?;
    if args.demo {
        let logins = pulje_store::demo::ensure(&db).await?;
        println!("Demo-brugere (nye adgangskoder ved hver start med --demo):");
        for l in logins {
            let region = l.region.map(|r| r.name()).unwrap_or("hele landet");
            println!(
                "  {:<32} {:<24} {:<16} {}",
                l.email,
                l.password,
                l.role.as_str(),
                region
            );
        }
        println!(
            "Demoen kræver ikke totrinsbekræftelse for nogen rolle (et rigtigt system kræver den for admin og region_admin); slå den til under Administration → Totrinsbekræftelse."
        );
    }
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("kan ikke lytte på {}", args.bind))?;
    let address = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| pulje_app::PublicUrl::of_listener(address));
    println!("Links i e-mails peger på {public_url}");
    // The last line printed: a supervisor may stop reading standard output once it has seen it.
    println!("pulje kører på http://{address}");
    let mailer = match &args.smtp_host {
        Some(host) => Some(
            pulje_app::mailer::Smtp::new(&pulje_app::mailer::SmtpConfig {
                host: host.clone(),
                port: args.smtp_port,
                username: args.smtp_username.clone(),
                password: args.smtp_password.clone(),
                from: args.smtp_from.clone(),
                security: args.smtp_security,
            })
            .context("ugyldig SMTP-opsætning")?,
        ),
        None => None,
    };
    let config = pulje_web::Config {
        secure_cookies: args.secure_cookies,
        login_max_failures: args.login_max_failures,
        login_address_max_failures: args.login_max_failures_per_address,
        session_idle_timeout: std::time::Duration::from_secs(60 * args.session_idle_minutes),
        trusted_proxies: args.trusted_proxies.clone(),
        header_timeout: std::time::Duration::from_secs(args.header_timeout_seconds),
        max_upload_bytes: args.max_upload_bytes,
        smtp_configured: mailer.is_some(),
        public_url,
        contact: pulje_web::Contact {
            name: args.contact_name.trim().to_string(),
            email: args.contact_email.clone(),
            phone: args.contact_phone.clone(),
        },
        accessibility_statement_url: args.accessibility_statement_url.clone(),
        oidc: oidc_config(&args)?,
        ..Default::default()
    };
    tokio::spawn(pulje_app::mailer::run(
        db.clone(),
        mailer,
        config.public_url.clone(),
        std::time::Duration::from_secs(60),
    ));
    let state = pulje_web::AppState::new(db.clone(), config);
    pulje_web::serve(listener, state, shutdown_signal()).await?;
    db.close().await;
    Ok(())
}

/// The single sign-on settings, checked: an issuer URL that reads as http(s) (https unless it is
/// this machine) and a client id.
fn oidc_config(args: &ServeArgs) -> anyhow::Result<Option<pulje_web::OidcConfig>> {
    let (Some(issuer), Some(client_id)) = (&args.oidc_issuer, &args.oidc_client_id) else {
        return Ok(None);
    };
    let issuer = issuer.trim().to_string();
    let url =
        url::Url::parse(&issuer).with_context(|| format!("ugyldig OIDC-udsteder «{issuer}»"))?;
    let local = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && local) {
        bail!("OIDC-udstederen «{issuer}» skal have en https://-adresse");
    }
    if client_id.trim().is_empty() {
        bail!("OIDC-klient-id'et er tomt");
    }
    Ok(Some(pulje_web::OidcConfig {
        issuer,
        client_id: client_id.trim().to_string(),
        client_secret: args
            .oidc_client_secret
            .as_ref()
            .map(|s| s.expose().to_string()),
        provider_name: args.oidc_provider_name.trim().to_string(),
    }))
}

/// A trusted proxy's address: an IP address, refused in Danish otherwise.
fn contact_email(text: &str) -> Result<pulje_domain::Email, String> {
    pulje_domain::Email::parse(text).map_err(|e| format!("ugyldig e-mailadresse «{text}»: {e}"))
}

fn contact_phone(text: &str) -> Result<String, String> {
    let t = text.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if (4..=15).contains(&digits)
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '+' || c == '-')
    {
        Ok(t.to_string())
    } else {
        Err(format!(
            "ugyldigt telefonnummer «{text}»: skriv cifre, evt. med + foran og mellemrum, fx +45 70 11 22 33"
        ))
    }
}

fn statement_url(text: &str) -> Result<String, String> {
    let t = text.trim();
    let ok = t.strip_prefix("https://").is_some_and(|rest| {
        !rest.is_empty() && !rest.starts_with('/') && !t.chars().any(char::is_whitespace)
    });
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "ugyldig adresse på tilgængelighedserklæringen «{text}»: den skal begynde med https://"
        ))
    }
}

fn proxy_address(text: &str) -> Result<std::net::IpAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("ugyldig proxy-adresse «{text}»: skriv en IP-adresse, fx 10.0.0.5"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
