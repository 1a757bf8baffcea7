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
        Command::Show { record_id, records } => {
            let record = match review::find(&records, &record_id) {
                Ok(r) => r,
                Err(e @ review::ReviewError::UnknownId(_)) => {
                    eprintln!("jixiao: {e} ({})", records.display());
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            };
            let source = review::re_read(&record, &Limits::default());
            print!("{}", review::render_show(&record, &source));
            if let Err(e) = source {
                eprintln!("jixiao: {e}");
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
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
            eprintln!(
                "jixiao: wrote {} ({} records, {} panels, {:.1} MB)",
                output.display(),
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

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
