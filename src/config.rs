//! Typed settings, loaded once from flags with `JOURNEYGRAPH_*` environment
//! fallbacks. Nothing below `main` reads the environment.

use clap::{Args, ValueEnum};
use secrecy::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where the data lives.
#[derive(Args, Clone, Debug)]
pub struct DatabaseSettings {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded default) or
    /// `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://journeygraph.db?mode=rwc"
    )]
    pub database_url: String,

    /// A read-only replica of the same database for organization-wide
    /// analytics (PostgreSQL streaming replica). Unset: the primary.
    #[arg(long, env = "DATABASE_READ_URL")]
    pub database_read_url: Option<String>,

    /// Maximum connections in the pool. SQLite runs in WAL mode, so readers
    /// proceed beside the one writer; writers wait up to the busy timeout.
    #[arg(long, env = "JOURNEYGRAPH_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,

    /// How long a SQLite writer waits for the write lock before failing, in ms.
    #[arg(
        long,
        env = "JOURNEYGRAPH_SQLITE_BUSY_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub sqlite_busy_timeout_ms: u64,

    /// PostgreSQL `statement_timeout` of every connection, in ms (0: none):
    /// a statement still running when a request's deadline passed is
    /// cancelled by the server instead of holding a connection.
    #[arg(
        long,
        env = "JOURNEYGRAPH_STATEMENT_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub statement_timeout_ms: u64,
}

/// JWT algorithm families the server accepts for people's credentials.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "UPPER")]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with a shared secret (the embedded default).
    Hs256,
    /// RSA PKCS#1 v1.5 with SHA-256, public key (PEM) from an identity provider.
    Rs256,
    /// ECDSA P-256 with SHA-256, public key (PEM).
    Es256,
    /// Ed25519, public key (PEM).
    #[value(name = "EdDSA")]
    EdDsa,
}

/// How people's JWTs are verified (and minted by `token mint`).
#[derive(Args, Clone, Debug)]
pub struct AuthSettings {
    /// The one algorithm accepted; a token signed otherwise is refused.
    #[arg(
        long,
        env = "JOURNEYGRAPH_JWT_ALGORITHM",
        value_enum,
        default_value = "HS256"
    )]
    pub jwt_algorithm: JwtAlgorithm,

    /// HS256 secret. When absent, one is generated at first start and kept in
    /// `--jwt-secret-file`.
    #[arg(long, env = "JOURNEYGRAPH_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,

    /// Where the generated HS256 secret is kept. Default: beside the SQLite
    /// file (`<db>.jwt-secret`), or `journeygraph.jwt-secret` for PostgreSQL.
    #[arg(long, env = "JOURNEYGRAPH_JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    /// PEM public key for RS256 / ES256 / EdDSA verification.
    #[arg(long, env = "JOURNEYGRAPH_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,

    /// PEM private key, only for `token mint` with RS256 / ES256 / EdDSA.
    #[arg(long, env = "JOURNEYGRAPH_JWT_PRIVATE_KEY_FILE")]
    pub jwt_private_key_file: Option<PathBuf>,

    /// Required `iss` claim.
    #[arg(long, env = "JOURNEYGRAPH_JWT_ISSUER", default_value = "journeygraph")]
    pub jwt_issuer: String,

    /// Required `aud` claim.
    #[arg(
        long,
        env = "JOURNEYGRAPH_JWT_AUDIENCE",
        default_value = "journeygraph"
    )]
    pub jwt_audience: String,

    /// Clock skew tolerated on `exp` and `nbf`, in seconds (at most 60).
    #[arg(long, env = "JOURNEYGRAPH_JWT_LEEWAY_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(0..=60))]
    pub jwt_leeway_secs: u64,

    /// The identity provider's JSON Web Key Set (https; http only on
    /// loopback). Keys are chosen by the token's `kid`; needs
    /// `--jwt-algorithm` RS256, ES256 or EdDSA. Replaces the key files.
    #[arg(long, env = "JOURNEYGRAPH_JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,

    /// Seconds between fetches of the key set.
    #[arg(long, env = "JOURNEYGRAPH_JWT_JWKS_REFRESH_SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub jwt_jwks_refresh_secs: u64,

    /// A token naming an unknown `kid` fetches the set again, at most once
    /// per this many seconds.
    #[arg(long, env = "JOURNEYGRAPH_JWT_JWKS_MIN_REFETCH_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub jwt_jwks_min_refetch_secs: u64,

    /// The claim naming the organization's slug: a name, or a JSON pointer
    /// into the claims (`/https:~1~1example.com~1org`).
    #[arg(long, env = "JOURNEYGRAPH_JWT_ORG_CLAIM", default_value = "org")]
    pub jwt_org_claim: String,

    /// The claim carrying the role: a name or JSON pointer; a string or a
    /// list of strings (such as `groups`).
    #[arg(long, env = "JOURNEYGRAPH_JWT_ROLE_CLAIM", default_value = "role")]
    pub jwt_role_claim: String,

    /// Role claim values mapped to roles, `value=ROLE` separated by commas
    /// (`jg-admins=ADMIN,jg-leads=LEADER,support=AGENT`); the strongest role
    /// among a token's values wins. Unset: the values are role names.
    #[arg(long, env = "JOURNEYGRAPH_JWT_ROLE_MAP")]
    pub jwt_role_map: Option<String>,
}

/// Log line format.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// GraphQL limits, each with the error it produces.
#[derive(Args, Clone, Debug)]
pub struct LimitSettings {
    /// Maximum selection depth; deeper queries are refused before execution.
    /// Introspection (`__schema`, `__type`) may nest to 20, so the standard
    /// introspection query of GraphiQL and schema tools passes.
    #[arg(long, env = "JOURNEYGRAPH_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// Maximum query complexity (connections cost `first` x their children).
    #[arg(long, env = "JOURNEYGRAPH_MAX_COMPLEXITY", default_value_t = 10_000)]
    pub max_complexity: usize,

    /// Maximum request body in bytes (HTTP 413 above it).
    #[arg(long, env = "JOURNEYGRAPH_MAX_BODY_BYTES", default_value_t = 1_048_576)]
    pub max_body_bytes: usize,

    /// Maximum query text length in characters.
    #[arg(long, env = "JOURNEYGRAPH_MAX_QUERY_CHARS", default_value_t = 15_000)]
    pub max_query_chars: usize,

    /// How deep brackets (`{`, `[`, `(`) may nest in the query text,
    /// counted before it is parsed (at most 256): the parser has no limit
    /// of its own, and a few KB of nested lists used to overflow its stack.
    #[arg(long, env = "JOURNEYGRAPH_MAX_NESTING", default_value_t = 64,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub max_nesting: usize,

    /// Maximum aliases in one document.
    #[arg(long, env = "JOURNEYGRAPH_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,

    /// Maximum root fields of one operation.
    #[arg(long, env = "JOURNEYGRAPH_MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,

    /// Maximum directives in one document.
    #[arg(long, env = "JOURNEYGRAPH_MAX_DIRECTIVES", default_value_t = 50)]
    pub max_directives: usize,

    /// Maximum operations in one batched request (a JSON array body).
    #[arg(long, env = "JOURNEYGRAPH_MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            max_depth: 12,
            max_complexity: 10_000,
            max_body_bytes: 1_048_576,
            max_query_chars: 15_000,
            max_nesting: 64,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 50,
            max_batch: 10,
        }
    }
}

/// Everything `serve` needs.
#[derive(Args, Clone, Debug)]
pub struct ServeSettings {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "JOURNEYGRAPH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Skip running migrations at start.
    #[arg(long, env = "JOURNEYGRAPH_NO_MIGRATE")]
    pub no_migrate: bool,

    /// Do not serve GraphiQL at `/graphiql` (it is on by default, for development).
    #[arg(long, env = "JOURNEYGRAPH_NO_GRAPHIQL")]
    pub no_graphiql: bool,

    /// Do not serve the leadership console at `/` (it is on by default; it
    /// holds no data of its own and signs in with the same credentials as
    /// the API).
    #[arg(long, env = "JOURNEYGRAPH_NO_CONSOLE")]
    pub no_console: bool,

    /// Refuse introspection queries (on by default, for development). Field
    /// suggestions ("did you mean") are never sent either way.
    #[arg(long, env = "JOURNEYGRAPH_NO_INTROSPECTION")]
    pub no_introspection: bool,

    /// Origins allowed to call the API from a browser (CORS), comma-separated,
    /// e.g. `https://app.example.com`. None by default: no CORS headers.
    #[arg(long, env = "JOURNEYGRAPH_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Create and seed the `demo` organization if it is empty, then print
    /// a leader JWT, an admin JWT and a partner token to try the API with.
    #[arg(long)]
    pub demo: bool,

    /// Customers in the demo data set.
    #[arg(long, default_value_t = 2_000)]
    pub demo_customers: u32,

    /// Deadline of one HTTP request, in ms: past it the client gets TIMEOUT
    /// and the request's work is dropped (PostgreSQL statements are also
    /// cancelled by `--statement-timeout-ms`).
    #[arg(
        long,
        env = "JOURNEYGRAPH_REQUEST_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub request_timeout_ms: u64,

    /// Time a client has to send a request's headers, in ms; past it the
    /// connection is closed (a slow sender otherwise holds it forever).
    #[arg(
        long,
        env = "JOURNEYGRAPH_HEADER_READ_TIMEOUT_MS",
        default_value_t = 30_000
    )]
    pub header_read_timeout_ms: u64,

    /// Requests per second each principal (a person or an API token) may
    /// make on average; 0 turns the limit off.
    #[arg(long, env = "JOURNEYGRAPH_RATE_LIMIT_PER_SECOND", default_value_t = 50)]
    pub rate_limit_per_second: u32,

    /// Requests a principal may make at once above the average (the bucket size).
    #[arg(long, env = "JOURNEYGRAPH_RATE_LIMIT_BURST", default_value_t = 100)]
    pub rate_limit_burst: u32,

    #[command(flatten)]
    pub limits: LimitSettings,

    #[command(flatten)]
    pub alerts: AlertSettings,
}

/// Real-time alerts: the sweep and webhook deliveries.
#[derive(Args, Clone, Debug)]
pub struct AlertSettings {
    /// Seconds between two sweeps for time-based friction signals (0: no sweep).
    #[arg(long, env = "JOURNEYGRAPH_SWEEP_INTERVAL_SECS", default_value_t = 60)]
    pub sweep_interval_secs: u64,

    /// Accept webhook URLs on loopback and private addresses (tests, on-premises receivers).
    #[arg(long, env = "JOURNEYGRAPH_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,

    /// Wait before the first retry of a failed webhook delivery; doubles per attempt.
    #[arg(
        long,
        env = "JOURNEYGRAPH_WEBHOOK_RETRY_BASE_MS",
        default_value_t = 5_000
    )]
    pub webhook_retry_base_ms: u64,

    /// Attempts of one webhook delivery before it is FAILED.
    #[arg(long, env = "JOURNEYGRAPH_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=20))]
    pub webhook_max_attempts: u32,

    /// Seconds between two checks of an open subscription socket's
    /// credential (expired or revoked: the socket closes with 4401).
    #[arg(long, env = "JOURNEYGRAPH_WS_RECHECK_SECS", default_value_t = 60)]
    pub ws_recheck_secs: u64,

    /// Open subscription sockets per credential (organization and
    /// principal); one more is closed with 4429.
    #[arg(
        long,
        env = "JOURNEYGRAPH_MAX_SOCKETS_PER_PRINCIPAL",
        default_value_t = 20
    )]
    pub max_sockets_per_principal: usize,

    /// How long a new subscription socket may take to send
    /// `connection_init`; past it the socket closes with 4408.
    #[arg(long, env = "JOURNEYGRAPH_WS_INIT_TIMEOUT_MS", default_value_t = 5_000)]
    pub ws_init_timeout_ms: u64,

    /// Sockets one client address may hold open before they are
    /// authenticated; one more upgrade is refused with HTTP 429.
    #[arg(
        long,
        env = "JOURNEYGRAPH_MAX_PENDING_SOCKETS_PER_ADDRESS",
        default_value_t = 16
    )]
    pub max_pending_sockets_per_address: usize,

    /// Subscriptions one socket may run at once; one more is answered
    /// with an error for its id (the others keep running).
    #[arg(
        long,
        env = "JOURNEYGRAPH_MAX_SUBSCRIPTIONS_PER_SOCKET",
        default_value_t = 32
    )]
    pub max_subscriptions_per_socket: usize,

    /// Deadline of one webhook request.
    #[arg(long, env = "JOURNEYGRAPH_WEBHOOK_TIMEOUT_MS", default_value_t = 5_000)]
    pub webhook_timeout_ms: u64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            sweep_interval_secs: 60,
            webhook_allow_private: false,
            webhook_retry_base_ms: 5_000,
            webhook_max_attempts: 8,
            webhook_timeout_ms: 5_000,
            ws_recheck_secs: 60,
            max_sockets_per_principal: 20,
            ws_init_timeout_ms: 5_000,
            max_pending_sockets_per_address: 16,
            max_subscriptions_per_socket: 32,
        }
    }
}
