//! Typed configuration: every command and flag, each with an environment variable and a
//! `--help` line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Convene: the open catalogue service for international events.
#[derive(Debug, Parser)]
#[command(name = "convene", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalOptions {
    /// Database URL, `sqlite://FILE` or `postgres://USER@HOST/DB` [default: SQLite at DATA_DIR/convene.db]
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite database and the search index.
    #[arg(long, env = "CONVENE_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// A TSV file (`alpha2, group code, group name` per line, after a header) that replaces the
    /// bundled OSCE grouping [default: migrations/data/osce.tsv, built in]
    #[arg(long, env = "CONVENE_OSCE_GROUPS", global = true)]
    pub osce_groups: Option<PathBuf>,
    /// Log format: `text` for people, `json` for machines.
    #[arg(long, env = "CONVENE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// Log filter, as in `info` or `convene=debug,sqlx=warn`.
    #[arg(long, env = "CONVENE_LOG", default_value = "info", global = true)]
    pub log: String,
}

impl GlobalOptions {
    /// The database URL, defaulting to SQLite inside the data directory.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| crate::db::default_sqlite_url(&self.data_dir))
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The commands of API.md.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database and serve the GraphQL API over HTTP.
    Serve(ServeOptions),
    /// Load events from an NDJSON file (`-` for standard input); upserts by source_url.
    Import(ImportOptions),
    /// Write the whole catalogue to standard output as NDJSON.
    Export,
    /// Rebuild the search index from the database and swap it in atomically.
    Reindex,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Write realistic synthetic events as NDJSON to standard output.
    Generate(GenerateOptions),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// The `token` commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once; only its hash is stored.
    Create {
        /// What the token may do.
        #[arg(long, value_enum)]
        role: crate::auth::Role,
        /// A name to recognise the token by.
        #[arg(long)]
        name: Option<String>,
    },
    /// List tokens (id, role, name, created, revoked); secrets are never shown.
    List,
    /// Revoke a token by id.
    Revoke {
        /// The id `token list` shows.
        id: i64,
    },
}

/// Options of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeOptions {
    /// Address to listen on.
    #[arg(long, env = "CONVENE_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Do not load the bundled sample events into an empty catalogue.
    #[arg(long, env = "CONVENE_NO_SAMPLE")]
    pub no_sample: bool,
    /// How many synthetic events the samples hold besides the real seed event.
    #[arg(long, env = "CONVENE_SAMPLE_EVENTS", default_value_t = 300)]
    pub sample_events: usize,
    /// Queries need a token with the reader role (mutations always need editor or admin).
    #[arg(long, env = "CONVENE_REQUIRE_TOKEN")]
    pub require_token: bool,
    /// Requests per second each client (token, or address without one) may make; 0 for no limit.
    #[arg(long, env = "CONVENE_RATE_LIMIT", default_value_t = 50.0)]
    pub rate_limit: f64,
    /// Requests a client may make at once before the rate limit applies.
    #[arg(long, env = "CONVENE_RATE_BURST", default_value_t = 100.0)]
    pub rate_burst: f64,
    /// Addresses of the reverse proxies in front of the server, comma-separated: a request from
    /// one of them counts against the client its `X-Forwarded-For` names (the nearest address
    /// there that is not itself a trusted proxy). Without this the header is ignored, since
    /// any client can write it.
    #[arg(long, env = "CONVENE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Milliseconds a request may take before it is answered with an error.
    #[arg(long, env = "CONVENE_REQUEST_TIMEOUT_MS", default_value_t = 30_000)]
    pub request_timeout_ms: u64,
    /// Origins browsers may call the API from, comma-separated; `*` for any.
    #[arg(long, env = "CONVENE_CORS_ORIGINS", default_value = "*", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Deepest nesting a query may have.
    #[arg(long, env = "CONVENE_MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_query_depth: usize,
    /// Highest complexity score a query may have.
    #[arg(long, env = "CONVENE_MAX_QUERY_COMPLEXITY", default_value_t = 5_000)]
    pub max_query_complexity: usize,
    /// Largest request body in bytes.
    #[arg(long, env = "CONVENE_BODY_LIMIT", default_value_t = 1 << 20)]
    pub body_limit: usize,
    /// Seconds to let in-flight requests finish after SIGTERM or Ctrl-C.
    #[arg(long, env = "CONVENE_SHUTDOWN_GRACE", default_value_t = 20)]
    pub shutdown_grace_secs: u64,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            bind: "127.0.0.1:8080".parse().expect("a valid address"),
            no_sample: false,
            sample_events: 300,
            require_token: false,
            rate_limit: 50.0,
            rate_burst: 100.0,
            trusted_proxies: Vec::new(),
            request_timeout_ms: 30_000,
            cors_origins: vec!["*".to_string()],
            max_query_depth: 12,
            max_query_complexity: 5_000,
            body_limit: 1 << 20,
            shutdown_grace_secs: 20,
        }
    }
}

/// Options of `import`.
#[derive(Debug, Clone, Args)]
pub struct ImportOptions {
    /// NDJSON file to read, or `-` for standard input.
    pub file: PathBuf,
    /// Records written per transaction. Larger batches dirty each page of the events' B-trees
    /// once for more records; a batch the database refuses is written again record by record.
    /// The first batches are smaller (an eighth of this, then doubling), so the index starts
    /// on the first records while the next are stored.
    #[arg(long, env = "CONVENE_IMPORT_BATCH", default_value_t = 10_000)]
    pub batch_size: usize,
}

/// Options of `generate`.
#[derive(Debug, Clone, Args)]
pub struct GenerateOptions {
    /// How many events to write.
    #[arg(long, env = "CONVENE_GENERATE_EVENTS", default_value_t = 1000)]
    pub events: usize,
    /// Seed: the same seed writes the same events.
    #[arg(long, env = "CONVENE_GENERATE_SEED", default_value_t = 1)]
    pub seed: u64,
}
