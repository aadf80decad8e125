//! Thin: parse the command line, set up logging, call into the library.

use clap::Parser;
use journeygraph::cli::{Cli, run};

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(journeygraph::memory::collect_when_idle)
        .build()?;
    let cli = Cli::parse();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    journeygraph::logging::init(cli.log_format, std::io::stderr, terminal);
    runtime.block_on(run(cli))
}
