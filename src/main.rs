//! Thin: parse the command line, set up logging, call into the library.

use clap::Parser;
use journeygraph::cli::{Cli, run};

/// mimalloc instead of the system allocator: a GraphQL response is built
/// from many small allocations, and the load bench measured glibc's malloc
/// and free among the hottest symbols of a journey read.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    journeygraph::logging::init(cli.log_format, std::io::stderr);
    run(cli).await
}
