//! The command line: serve, migrate, org, token, api-token, customers,
//! import, seed-demo, export-schema.

use crate::app::{App, Settings};
use crate::config::{AuthSettings, DatabaseSettings, LogFormat, ServeSettings};
use crate::domain::Role;
use crate::service::api_token::{self, NewToken};
use crate::service::audit::Actor;
use crate::service::demo::{self, DemoPlan};
use crate::service::organization;
use crate::{auth, db, graphql, time};
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use std::path::PathBuf;
use std::time::Instant;

/// journeygraph: one customer journey across Sales, Onboarding, Marketing,
/// Support and Success, and where customers get stuck between them.
#[derive(Parser, Debug)]
#[command(name = "journeygraph", version, about)]
pub struct Cli {
    /// Log line format.
    #[arg(
        long,
        global = true,
        env = "JOURNEYGRAPH_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// Export traces over OTLP/HTTP (protobuf) to this collector, e.g.
    /// `http://127.0.0.1:4318` (`/v1/traces` is added unless given).
    #[arg(long, global = true, env = "JOURNEYGRAPH_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,

    /// The `service.name` traces carry.
    #[arg(
        long,
        global = true,
        env = "JOURNEYGRAPH_OTLP_SERVICE_NAME",
        default_value = "journeygraph"
    )]
    pub otlp_service_name: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the GraphQL API (migrates first unless --no-migrate).
    Serve {
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        auth: AuthSettings,
        #[command(flatten)]
        serve: ServeSettings,
    },
    /// Apply pending migrations (or roll all back with --down).
    Migrate {
        #[command(flatten)]
        database: DatabaseSettings,
        /// Roll every migration back instead.
        #[arg(long)]
        down: bool,
    },
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// People's JWTs.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Partner API tokens.
    #[command(subcommand)]
    ApiToken(ApiTokenCommand),
    /// Customers: merge those that share an email; erase a person.
    #[command(subcommand)]
    Customers(CustomersCommand),
    /// Import NDJSON files of typed records (see the README for the format).
    Import {
        #[command(flatten)]
        database: DatabaseSettings,
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// NDJSON files, imported in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Generate the deterministic demo data set into an organization.
    SeedDemo {
        #[command(flatten)]
        database: DatabaseSettings,
        /// Organization slug (created when missing).
        #[arg(long, default_value = "demo")]
        org: String,
        /// Number of customers.
        #[arg(long, default_value_t = 2_000)]
        customers: u32,
        /// Random seed: the same seed and anchor give the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Nothing happens after this instant (RFC 3339); default: today 00:00 UTC.
        #[arg(long)]
        anchor: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Write the GraphQL SDL (sorted, stable).
    ExportSchema {
        /// Output file.
        #[arg(long, default_value = "schema.graphql")]
        output: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organization.
    Create {
        /// Slug: a-z, 0-9 and -.
        slug: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// ISO 4217 code of the currency every money figure is in.
        #[arg(long, default_value = "USD")]
        currency: String,
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[derive(Subcommand, Debug)]
pub enum CustomersCommand {
    /// Merge each group of live customers sharing an email into its
    /// oldest (through the `mergeCustomers` path, audit rows included).
    Dedupe {
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// Only list what would be merged.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Erase the customer a source system knows by an identity, with every
    /// customer merged into it and all their records (as `eraseCustomer`).
    Erase {
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// `source:externalId`, as a partner system names the customer.
        #[arg(long)]
        identity: String,
        /// Only count what would go.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[derive(Subcommand, Debug)]
pub enum ApiTokenCommand {
    /// Create a token and print its secret (shown once).
    Create {
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// Name of the partner system.
        #[arg(long)]
        name: String,
        /// Comma-separated: ingest:write, journeys:read, analytics:read,
        /// outreach:write, customers:erase.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Comma-separated departments it may write (all when absent).
        #[arg(long, value_delimiter = ',')]
        departments: Vec<String>,
        /// Lifetime in days, 1..=3650; every token expires.
        #[arg(long, default_value_t = api_token::DEFAULT_EXPIRY_DAYS)]
        expires_in_days: i64,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// List an organization's tokens, newest first (never their secrets).
    List {
        /// Organization slug.
        #[arg(long)]
        org: String,
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Revoke a token: requests with it are refused from the next one on.
    Revoke {
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// The token's id (from `api-token list`).
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Print a JWT signed with the configured key.
    Mint {
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// ADMIN, LEADER or AGENT.
        #[arg(long)]
        role: String,
        /// Subject (who the token is for).
        #[arg(long)]
        sub: String,
        /// Lifetime: e.g. 90m, 12h, 7d.
        #[arg(long, default_value = "12h")]
        ttl: String,
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        auth: AuthSettings,
    },
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            database,
            auth,
            serve,
        } => {
            serve_command(Settings {
                database,
                auth,
                serve,
            })
            .await
        }
        Command::Migrate { database, down } => {
            let conn = db::connect(&database).await?;
            if down {
                migration::Migrator::down(&conn, None).await?;
                println!("rolled back every migration");
            } else {
                db::migrate(&conn).await?;
                println!("database is up to date");
            }
            Ok(())
        }
        Command::Org(OrgCommand::Create {
            slug,
            name,
            currency,
            database,
        }) => {
            let conn = connect_migrated(&database).await?;
            let org = organization::create_in(&conn, &slug, &name, &currency).await?;
            println!(
                "created organization {} (id {}, money in {})",
                org.slug, org.id, org.currency
            );
            Ok(())
        }
        Command::Token(TokenCommand::Mint {
            org,
            role,
            sub,
            ttl,
            database,
            auth,
        }) => {
            let role = Role::from_claim(&role).context("role must be ADMIN, LEADER or AGENT")?;
            let ttl = parse_ttl(&ttl)?;
            let conn = connect_migrated(&database).await?;
            if organization::find_by_slug(&conn, &org).await?.is_none() {
                bail!("no organization {org:?}; create it with `journeygraph org create`");
            }
            let keys = auth::keys::load(&auth, &database.database_url)?;
            let signer = keys
                .signer
                .context("minting needs a signing key (--jwt-private-key-file)")?;
            println!("{}", signer.mint(&org, &sub, role, ttl)?);
            Ok(())
        }
        Command::ApiToken(ApiTokenCommand::Create {
            org,
            name,
            scopes,
            departments,
            expires_in_days,
            database,
        }) => {
            let conn = connect_migrated(&database).await?;
            let org = existing_org(&conn, &org).await?;
            let parse = |what: &str, text: &str| format!("unknown {what} {text:?}");
            let new = NewToken {
                name,
                scopes: scopes
                    .iter()
                    .map(|s| {
                        s.trim()
                            .parse()
                            .map_err(|_| anyhow::anyhow!(parse("scope", s)))
                    })
                    .collect::<anyhow::Result<_>>()?,
                departments: if departments.is_empty() {
                    None
                } else {
                    Some(
                        departments
                            .iter()
                            .map(|d| {
                                d.trim()
                                    .to_ascii_uppercase()
                                    .parse()
                                    .map_err(|_| anyhow::anyhow!(parse("department", d)))
                            })
                            .collect::<anyhow::Result<_>>()?,
                    )
                },
                expires_in_days,
            };
            let (row, secret) =
                api_token::create_in_org(&conn, &Actor::from(&cli_admin(&org)), &new).await?;
            eprintln!(
                "created API token {} ({}), expires {}; the secret is shown once:",
                row.id,
                row.prefix,
                row.expires_at.map_or("never".into(), time::to_rfc3339)
            );
            println!("{secret}");
            Ok(())
        }
        Command::ApiToken(ApiTokenCommand::List { org, database }) => {
            let conn = connect_migrated(&database).await?;
            let viewer = cli_admin(&existing_org(&conn, &org).await?);
            println!("id\tprefix\tname\tscopes\tdepartments\texpires\tstatus");
            for row in api_token::list(&conn, &viewer).await? {
                println!("{}", token_line(&row));
            }
            Ok(())
        }
        Command::ApiToken(ApiTokenCommand::Revoke { org, id, database }) => {
            let conn = connect_migrated(&database).await?;
            let viewer = cli_admin(&existing_org(&conn, &org).await?);
            let row = api_token::revoke(&conn, &viewer, id).await?;
            println!("revoked {}", token_line(&row));
            Ok(())
        }
        Command::Customers(CustomersCommand::Dedupe {
            org,
            dry_run,
            database,
        }) => {
            let conn = connect_migrated(&database).await?;
            let org = existing_org(&conn, &org).await?;
            let viewer = cli_admin(&org);
            let groups =
                crate::service::dedupe::merge_shared_emails(&conn, &viewer, dry_run).await?;
            let verb = if dry_run { "would merge" } else { "merged" };
            for g in &groups {
                println!("{}: {verb} {:?} into {}", g.email, g.merged, g.survivor);
            }
            println!("{} emails shared by several customers", groups.len());
            Ok(())
        }
        Command::Customers(CustomersCommand::Erase {
            org,
            identity,
            dry_run,
            database,
        }) => {
            let (source, external_id) = identity
                .split_once(':')
                .context("--identity is source:externalId")?;
            let conn = connect_migrated(&database).await?;
            let org = existing_org(&conn, &org).await?;
            let viewer = cli_admin(&org);
            let customer =
                crate::service::customer::get_by_identity(&conn, &viewer, source, external_id)
                    .await
                    .with_context(|| format!("no customer known as {identity} in {}", org.slug))?;
            let erased =
                crate::service::erasure::erase_customer(&conn, &viewer, customer.id, dry_run)
                    .await?;
            let verb = if dry_run { "would erase" } else { "erased" };
            println!(
                "{verb} {} customer(s) known as {identity}:",
                erased.customers
            );
            for (table, rows) in &erased.rows {
                println!("  {table}: {rows}");
            }
            Ok(())
        }
        Command::Import {
            database,
            org,
            files,
        } => {
            let conn = connect_migrated(&database).await?;
            let org = existing_org(&conn, &org).await?;
            let mut failed = 0;
            for file in files {
                failed += import_file(&conn, org.id, &file).await?;
            }
            if failed > 0 {
                bail!("{failed} lines were not imported");
            }
            Ok(())
        }
        Command::SeedDemo {
            database,
            org,
            customers,
            seed,
            anchor,
        } => {
            let conn = connect_migrated(&database).await?;
            let anchor = anchor.map(time::to_millis).unwrap_or_else(today_midnight);
            seed_demo(
                &conn,
                &org,
                &DemoPlan {
                    customers,
                    seed,
                    anchor,
                },
            )
            .await
        }
        Command::ExportSchema { output } => {
            std::fs::write(&output, graphql::sdl())
                .with_context(|| format!("writing {}", output.display()))?;
            println!("wrote {}", output.display());
            Ok(())
        }
    }
}

/// The organization `slug`, or an error that says it does not exist.
async fn existing_org(
    conn: &DatabaseConnection,
    slug: &str,
) -> anyhow::Result<entity::organization::Model> {
    organization::find_by_slug(conn, slug)
        .await?
        .with_context(|| format!("no organization {slug:?}"))
}

/// Who the CLI acts as: an ADMIN of `org`, named `cli` in what it writes.
fn cli_admin(org: &entity::organization::Model) -> crate::auth::Viewer {
    crate::auth::Viewer::person(org.id, org.slug.clone(), "cli".into(), Role::Admin)
}

/// A stored space-separated list as the CLI takes it (comma-separated).
fn commas(list: &str) -> String {
    list.split_whitespace().collect::<Vec<_>>().join(",")
}

/// One token as a tab-separated line of `api-token list`.
fn token_line(row: &entity::api_token::Model) -> String {
    let status = match (row.revoked_at, row.expires_at) {
        (Some(_), _) => "revoked",
        (None, Some(at)) if at <= time::now_millis() => "expired",
        _ => "active",
    };
    [
        row.id.to_string(),
        row.prefix.clone(),
        row.name.clone(),
        commas(&row.scopes),
        row.departments.as_deref().map_or("all".into(), commas),
        row.expires_at.map_or("never".into(), time::to_rfc3339),
        status.into(),
    ]
    .join("\t")
}

async fn connect_migrated(database: &DatabaseSettings) -> anyhow::Result<DatabaseConnection> {
    let conn = db::connect(database).await?;
    db::migrate(&conn).await?;
    Ok(conn)
}

async fn serve_command(settings: Settings) -> anyhow::Result<()> {
    let app = App::build(&settings).await?;
    if settings.serve.demo {
        let org = organization::ensure(&app.db, "demo", "Demo Company").await?;
        let existing = entity::customer::Entity::find()
            .filter(entity::customer::Column::OrgId.eq(org.id))
            .count(&app.db)
            .await?;
        if existing == 0 {
            let plan = DemoPlan {
                customers: settings.serve.demo_customers,
                seed: 42,
                anchor: today_midnight(),
            };
            seed_demo(&app.db, "demo", &plan).await?;
        }
        let partner = demo_partner_token(&app.db, org.id).await?;
        print_demo_access(&app, settings.serve.bind.port());
        println!("  Partner token (all scopes, replaced at each start): {partner}\n");
    }
    tracing::info!(port = app.port(), "serving");
    app.run_until_stopped().await
}

/// Revokes the previous demo partner token and creates a fresh one.
async fn demo_partner_token(db: &DatabaseConnection, org_id: i64) -> anyhow::Result<String> {
    const NAME: &str = "demo partner";
    let by = Actor::named(org_id, "serve --demo");
    let previous = entity::api_token::Entity::find()
        .filter(entity::api_token::Column::OrgId.eq(org_id))
        .filter(entity::api_token::Column::Name.eq(NAME))
        .filter(entity::api_token::Column::RevokedAt.is_null())
        .all(db)
        .await?;
    for token in previous {
        api_token::revoke_row(db, &by, token).await?;
    }
    let new = NewToken {
        name: NAME.into(),
        // Every scope but erasure, which is given only explicitly.
        scopes: crate::domain::Scope::ALL
            .iter()
            .copied()
            .filter(|s| *s != crate::domain::Scope::CustomersErase)
            .collect(),
        departments: None,
        expires_in_days: 30,
    };
    Ok(
        api_token::create_in_org(db, &Actor::named(org_id, "serve --demo"), &new)
            .await?
            .1,
    )
}

fn print_demo_access(app: &App, configured_port: u16) {
    let port = if configured_port == 0 {
        app.port()
    } else {
        configured_port
    };
    println!("\njourneygraph demo is ready");
    println!("  GraphiQL:  http://127.0.0.1:{port}/graphiql");
    let console = format!("http://127.0.0.1:{port}/");
    println!(
        "  Subscriptions: ws://127.0.0.1:{port}/graphql/ws (graphql-transport-ws; the token goes in connection_init)"
    );
    const WEEK_SECS: u64 = 7 * 24 * 3600;
    match &app.keys.signer {
        Some(signer) => {
            let leader = signer.mint("demo", "demo-leader", Role::Leader, WEEK_SECS);
            let admin = signer.mint("demo", "demo-admin", Role::Admin, WEEK_SECS);
            match (leader, admin) {
                (Ok(leader), Ok(admin)) => {
                    // The token rides in the fragment, which the browser
                    // never sends to the server.
                    println!("  Console, signed in as a leader: {console}#token={leader}");
                    println!("  Leader JWT (7 days, reads everything): {leader}");
                    println!(
                        "  In GraphiQL's Headers tab: {{\"Authorization\": \"Bearer {leader}\"}}"
                    );
                    println!("  Admin JWT (7 days, also manages API tokens and webhooks): {admin}");
                }
                (Err(err), _) | (_, Err(err)) => println!("  could not mint a demo JWT: {err}"),
            }
        }
        None => {
            println!("  Console: {console} (sign in with a JWT from your identity provider)");
            println!("  mint a JWT with your identity provider (no signing key configured)");
        }
    }
    if let Some(file) = &app.keys.secret_file {
        println!("  JWT secret kept in {}", file.display());
    }
}

/// Imports one file with a progress bar; returns the number of bad lines.
async fn import_file(
    conn: &DatabaseConnection,
    org_id: i64,
    path: &std::path::Path,
) -> anyhow::Result<usize> {
    use std::io::BufRead;
    let open = || -> anyhow::Result<std::io::BufReader<std::fs::File>> {
        Ok(std::io::BufReader::new(
            std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?,
        ))
    };
    let lines = open()?.lines().count() as u64;
    let bar = ProgressBar::new(lines);
    bar.set_style(
        ProgressStyle::with_template("importing {bar:40} {pos}/{len} lines  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let summary =
        crate::import::import(conn, org_id, open()?, |done| bar.set_position(done)).await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: {} records ({} created, {} updated, {} unchanged) in {:.1} s, {:.0} records/s; {} bad lines",
        path.display(),
        summary.records,
        summary.created,
        summary.updated,
        summary.unchanged,
        secs,
        summary.records as f64 / secs.max(1e-9),
        summary.errors.len()
    );
    if summary.suppressed > 0 {
        println!(
            "  {} records left out: they name people erased from the organization",
            summary.suppressed
        );
    }
    for error in &summary.errors {
        println!("  {error}");
    }
    Ok(summary.errors.len())
}

async fn seed_demo(conn: &DatabaseConnection, org: &str, plan: &DemoPlan) -> anyhow::Result<()> {
    let org = organization::ensure(conn, org, "Demo Company").await?;
    let bar = ProgressBar::new(u64::from(plan.customers));
    bar.set_style(
        ProgressStyle::with_template(
            "seeding {bar:40} {pos}/{len} customers  {elapsed_precise} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let summary = demo::seed(conn, org.id, plan, |done| bar.set_position(u64::from(done))).await?;
    bar.finish_and_clear();
    println!(
        "seeded {} customers ({} records) into {:?} in {:.1} s",
        summary.customers,
        summary.records,
        org.slug,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// 00:00 UTC today, in epoch ms: the default demo anchor.
fn today_midnight() -> i64 {
    let now = time::now_millis();
    now - now.rem_euclid(time::DAY_MS)
}

/// `90s`, `30m`, `12h`, `7d` -> seconds.
pub fn parse_ttl(text: &str) -> anyhow::Result<u64> {
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: u64 = number
        .parse()
        .with_context(|| format!("bad ttl {text:?}: use e.g. 90m, 12h, 7d"))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => bail!("bad ttl {text:?}: use e.g. 90m, 12h, 7d"),
    };
    Ok(n * factor)
}
