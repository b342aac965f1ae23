//! `pulje-bench`: fills a database with national-scale synthetic data and drives a running
//! `pulje serve` over HTTP with concurrent clients, printing throughput and latency per route
//! and the server's peak memory; `forms` times reading agreement forms. Not part of
//! `cargo test`; see docs/PERFORMANCE.md.

mod forms;
mod load;
mod seed;
mod writers;

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
        /// How long each client pauses after a page before the next, in milliseconds (varied
        /// by ±50 % per pause), like a person reading it. 0 (the default) asks as fast as the
        /// server answers: the server is saturated and the latency is mostly queueing.
        #[arg(long, default_value_t = 0)]
        think_ms: u64,
    },
    /// Send bursts of simultaneous API writes (creates, then updates of what was created) to the
    /// server at BASE and print each kind's statuses and latencies.
    Writers {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base: String,
        /// An API token of a user who may create applications in REGION (`pulje user token`).
        #[arg(long, env = "PULJE_BENCH_TOKEN")]
        token: String,
        #[arg(long, default_value_t = 1082)]
        region: i64,
        /// Requests sent at the same moment.
        #[arg(long, default_value_t = 50)]
        writers: usize,
        #[arg(long, default_value_t = 10)]
        bursts: usize,
    },
    /// Time reading agreement forms (text, e-mail, Word) and an upload of 100 forms, in this
    /// process; no server or database.
    Forms {
        /// The import corpus.
        #[arg(long, default_value = "crates/import/tests/corpus")]
        corpus: String,
        /// Reads of each file.
        #[arg(long, default_value_t = 50)]
        rounds: usize,
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
            think_ms,
        } => {
            let load = load::Load {
                clients,
                seconds,
                think: std::time::Duration::from_millis(think_ms),
            };
            load::run(&base, &database, &load, server_pid).await
        }
        Command::Writers {
            base,
            token,
            region,
            writers,
            bursts,
        } => {
            let w = writers::Writers {
                writers,
                bursts,
                region,
            };
            writers::run(&base, &token, &w).await
        }
        Command::Forms { corpus, rounds } => forms::run(&forms::Forms { corpus, rounds }),
    }
}
