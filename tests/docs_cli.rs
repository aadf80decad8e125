//! The command line as the docs tell it: `docs/configuration.md` is every
//! flag of every command, as the binary's `--help` has it (name, variable,
//! default, help), and README's command table names every command.
//!
//! Regenerate the reference after changing a flag:
//! `JOURNEYGRAPH_UPDATE_DOCS=1 cargo test --test docs_cli`.

use clap::CommandFactory;
use journeygraph::cli::Cli;
use std::path::Path;

/// Every command that does something, with its path (`api-token create`).
fn leaves(command: &clap::Command, path: &str) -> Vec<(String, clap::Command)> {
    let mut found = Vec::new();
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("{path} {}", sub.get_name()).trim().to_owned();
        if sub.has_subcommands() {
            found.extend(leaves(sub, &name));
        } else {
            found.push((name, sub.clone()));
        }
    }
    found
}

/// A table cell: no pipes, no line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// One command's flags as a markdown table.
fn flag_table(command: &clap::Command) -> String {
    let mut table =
        String::from("| flag | environment | default | what it does |\n|---|---|---|---|\n");
    let mut rows = 0;
    for arg in command.get_arguments() {
        let Some(long) = arg.get_long() else {
            continue;
        };
        if long == "help" || long == "version" {
            continue;
        }
        let env = arg
            .get_env()
            .map(|e| format!("`{}`", e.to_string_lossy()))
            .unwrap_or_default();
        let default = arg
            .get_default_values()
            .iter()
            .map(|v| format!("`{}`", v.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ");
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let value = arg
            .get_value_names()
            .filter(|_| arg.get_num_args().is_none_or(|n| n.takes_values()))
            .map(|names| format!(" {}", names.join(" ")))
            .unwrap_or_default();
        table.push_str(&format!(
            "| `--{long}{value}` | {env} | {default} | {} |\n",
            cell(&help)
        ));
        rows += 1;
    }
    let positional: Vec<String> = command
        .get_positionals()
        .map(|arg| {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            format!("| `{}` | | | {} |\n", arg.get_id(), cell(&help))
        })
        .collect();
    if rows == 0 && positional.is_empty() {
        return "No flags.\n".into();
    }
    table.push_str(&positional.concat());
    table
}

/// docs/configuration.md as the CLI defines it.
fn reference() -> String {
    let mut cli = Cli::command();
    // Global flags (--log-format) reach each command at build.
    cli.build();
    let mut page = String::from(
        "# Configuration and commands\n\n\
         Every flag of every command, generated from the binary's own help\n\
         (a test fails when this page and `journeygraph COMMAND --help` differ).\n\
         Each flag with an environment variable may be set by it instead; a flag\n\
         given on the command line wins.\n\n",
    );
    for (name, command) in leaves(&cli, "") {
        let about = command
            .get_about()
            .map(|a| a.to_string())
            .unwrap_or_default();
        page.push_str(&format!(
            "## `journeygraph {name}`\n\n{about}\n\n{}\n",
            flag_table(&command)
        ));
    }
    page
}

#[test]
fn the_configuration_reference_is_every_flag_of_every_command() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md");
    let expected = reference();
    if std::env::var_os("JOURNEYGRAPH_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).expect("write docs/configuration.md");
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == expected,
        "docs/configuration.md differs from the CLI's flags; regenerate with \
         JOURNEYGRAPH_UPDATE_DOCS=1 cargo test --test docs_cli\n--- expected ---\n{expected}"
    );
    for flag in [
        "--bind",
        "--request-timeout-ms",
        "--rate-limit-per-second",
        "--cors-origins",
        "--statement-timeout-ms",
        "--demo-customers",
        "--header-read-timeout-ms",
    ] {
        assert!(written.contains(&format!("`{flag} ")), "{flag} is missing");
    }
}

#[test]
fn the_readme_command_table_names_every_command() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let table: Vec<&str> = readme
        .lines()
        .skip_while(|line| !line.starts_with("## Commands"))
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .filter(|line| line.starts_with("| `journeygraph "))
        .collect();
    let commands = leaves(&Cli::command(), "");
    for (name, _) in &commands {
        assert!(
            table
                .iter()
                .any(|row| row.starts_with(&format!("| `journeygraph {name}"))),
            "README's command table does not name `journeygraph {name}`"
        );
    }
    for row in &table {
        assert!(
            commands.iter().any(|(name, _)| {
                let rest = row.trim_start_matches("| `journeygraph ");
                rest.starts_with(name.as_str()) && rest[name.len()..].starts_with([' ', '`'])
            }),
            "README's command table names a command that does not exist: {row}"
        );
    }
}
