//! The scale bench of issue 31: a review of ~200,000 real PubMed records,
//! each step timed with its peak memory (which criterion cannot measure),
//! by `scripts/scale.py` on the release binary. Run:
//! `cargo build --release && cargo bench --bench scale` (about 3 minutes
//! and 2 GB of disk under the git-ignored `data/scale/`; needs
//! `scripts/fetch-bench-data.sh` first). Prints the table of
//! BENCHMARKS.md ("A 200,000-record review").

use std::path::Path;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // `cargo bench -- FILTER` and `cargo test --benches` pass arguments:
    // run only when asked by name or with no filter, never as a test.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        eprintln!("scale: run by `cargo bench --bench scale`");
        return ExitCode::SUCCESS;
    }
    let filter = args.iter().find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !"scale".contains(f.as_str())) {
        return ExitCode::SUCCESS;
    }
    let lacuna = root.join("target/release/lacuna");
    if !lacuna.is_file() {
        eprintln!("scale: build the release binary first: cargo build --release");
        return ExitCode::FAILURE;
    }
    match Command::new("python3")
        .arg(root.join("scripts/scale.py"))
        .arg("--bin")
        .arg(&lacuna)
        .status()
    {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => {
            eprintln!("scale: scripts/scale.py failed ({s})");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("scale: could not run python3 scripts/scale.py: {e}");
            ExitCode::FAILURE
        }
    }
}
