//! The `lacuna` binary: parse the command line, set up logging, run, and turn
//! the outcome into an exit code. The verbs are in `cli/`; the work is done
//! by the library.

mod cli;

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                cli::exit::USAGE
            } else {
                cli::exit::OK
            });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LACUNA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`lacuna ... | head`): what it read was right.
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::from(cli::exit::OK),
        Err(err) => {
            // Written without panicking when stderr is closed too.
            let mut e = std::io::stderr().lock();
            let _ = writeln!(e, "error: {err}");
            for cause in err.chain().skip(1) {
                let _ = writeln!(e, "  caused by: {cause}");
            }
            ExitCode::from(cli::exit_code(&err))
        }
    }
}
