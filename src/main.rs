//! The `jixiao` binary: parse arguments, run, map the outcome to an exit
//! code (0: every input gave records; 1: some inputs are in the errors
//! file; 2: usage or fatal I/O error).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use jixiao::cli::{Cli, Command, Emit};
use jixiao::review;
use jixiao::run::config::Config;
use jixiao::run::document::Limits;
use jixiao::run::pipeline;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            if let Some(i) = err.downcast_ref::<pipeline::Interrupted>() {
                eprintln!("jixiao: {i}");
                return ExitCode::from(i.exit_code());
            }
            eprintln!("jixiao: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Show {
            record_ids,
            path,
            records,
        } => show(&records, &record_ids, path.as_deref()),
        Command::Sample {
            n,
            seed,
            warned,
            records,
        } => {
            let mut out = std::io::stdout().lock();
            for s in review::sample(&records, n, seed, warned)? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    s.id, s.department, s.project, s.warnings
                )?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            records,
            errors,
            output,
            sample,
            seed,
        } => {
            let stats =
                review::write_report(&records, &errors, &output, sample, seed, &Limits::default())?;
            let to = if review::is_stdin(&output) {
                "the report to stdout".to_string()
            } else {
                output.display().to_string()
            };
            eprintln!(
                "jixiao: wrote {to} ({} records, {} panels, {:.1} MB)",
                stats.records,
                stats.panels,
                stats.bytes as f64 / 1e6
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { emit } => {
            let schema = match emit {
                Emit::Projects => jixiao::model::RECORD_SCHEMA,
                Emit::Indicators => jixiao::model::INDICATOR_SCHEMA,
            };
            std::io::stdout().write_all(schema.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker => {
            jixiao::run::child::serve_stdio()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract(args) => {
            let cfg = Config::from_args(args, std::io::stderr().is_terminal())?;
            let summary = pipeline::run(&cfg)?;
            if cfg.summary {
                eprintln!("{}", summary.line());
            }
            Ok(if summary.error_count() > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// `jixiao show`: every record of every id (several when an id is shared
/// by identical documents under two paths, each headed by where it is);
/// exit 1 when an id is unknown or a source cannot be shown.
fn show(records: &std::path::Path, ids: &[String], path: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut code = ExitCode::SUCCESS;
    let mut out = std::io::stdout().lock();
    let named = if review::is_stdin(records) {
        "standard input".to_string()
    } else {
        records.display().to_string()
    };
    for (n, (id, group)) in review::find_all(records, ids, path)?
        .into_iter()
        .enumerate()
    {
        if group.is_empty() {
            let within = path
                .map(|p| format!(" with source.path {p}"))
                .unwrap_or_default();
            eprintln!("jixiao: no record {id}{within} in {named}");
            code = ExitCode::from(1);
            continue;
        }
        let count = group.len();
        for (i, record) in group.iter().enumerate() {
            if n > 0 || i > 0 {
                writeln!(out)?;
            }
            if count > 1 {
                let src = &record.source;
                writeln!(
                    out,
                    "── {id}: {} of {count} records with this id — path {}, member {}, index {}",
                    i + 1,
                    src.path,
                    src.member.as_deref().unwrap_or("—"),
                    src.index
                )?;
            }
            let source = review::re_read(record, &Limits::default());
            write!(out, "{}", review::render_show(record, &source))?;
            if let Err(e) = source {
                eprintln!("jixiao: {id}: {e}");
                code = ExitCode::from(1);
            }
        }
    }
    Ok(code)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
