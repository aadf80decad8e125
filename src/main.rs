//! Thin: parse the command line, set up logging, call into the library.

use clap::Parser;
use journeygraph::cli::{Cli, run};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    journeygraph::logging::init(cli.log_format, std::io::stderr);
    run(cli).await
}
