//! Thin: parse the command line, set up logging, call into the library.

use clap::Parser;
use journeygraph::cli::{Cli, run};
use journeygraph::telemetry::Traces;

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .on_thread_park(journeygraph::memory::collect_when_idle)
        .build()?;
    let cli = Cli::parse();
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let traces = cli
        .otlp_endpoint
        .as_deref()
        .map(|endpoint| Traces::export(endpoint, &cli.otlp_service_name, runtime.handle().clone()))
        .transpose()?;
    let tracer = traces.as_ref().map(|t| t.tracer.clone());
    journeygraph::logging::init(cli.log_format, std::io::stderr, terminal, tracer);
    let outcome = runtime.block_on(run(cli));
    if let Some(traces) = traces {
        traces.shutdown();
    }
    outcome
}
