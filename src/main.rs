//! The `convene` binary: parses the command line and runs one command.

use clap::Parser;
use convene::config::{Cli, Command};

// Indexing allocates and frees millions of small tokens and postings; glibc's allocator spent
// a sixth of the time consolidating free chunks (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let mut cli = Cli::parse();
    if cli.command.is_none() {
        // No command means `serve`: parse again so serve's flags and variables apply.
        let mut arguments: Vec<String> = std::env::args().collect();
        arguments.insert(1, "serve".to_string());
        cli = Cli::parse_from(arguments);
    }
    if !matches!(cli.command, Some(Command::Serve(_))) {
        // Every command but `serve` ends once its work is done: keep what it frees for reuse.
        convene::allocator::keep_freed_memory();
    }
    convene::telemetry::init(cli.global.log_format, &cli.global.log);
    match convene::commands::run(&cli.global, cli.command).await {
        Ok(code) => std::process::exit(code),
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("error: {error:#}");
            std::process::exit(2);
        }
    }
}
