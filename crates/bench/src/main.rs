//! `pulje-bench`: fills a database with national-scale synthetic data and drives a running
//! `pulje serve` over HTTP with concurrent clients, printing throughput and latency per route
//! and the server's peak memory. Not part of `cargo test`; see docs/PERFORMANCE.md.

mod load;
mod seed;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "pulje-bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill DATABASE with synthetic data: 5 regions × 10 tranches × N applications, 500 users.
    Seed {
        #[arg(long)]
        database: String,
        /// Applications per region and tranche.
        #[arg(long, default_value_t = 2_000)]
        per_tranche: usize,
    },
    /// Drive the server at BASE with concurrent clients for a while.
    Run {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base: String,
        /// The same database, to pick existing ids.
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// The server's process id, to read its peak memory.
        #[arg(long)]
        server_pid: Option<u32>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Seed {
            database,
            per_tranche,
        } => seed::run(&database, per_tranche).await,
        Command::Run {
            base,
            database,
            clients,
            seconds,
            server_pid,
        } => load::run(&base, &database, clients, seconds, server_pid).await,
    }
}
