//! Progress bars and notes on stderr: the binary's [`Reporter`], drawn with
//! indicatif; hidden with `--quiet` or when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lacuna::progress::Reporter;
use std::io::{IsTerminal, Write};

/// Progress bars on stderr (hidden with --quiet or when stderr is not a terminal).
pub struct Bars {
    bar: ProgressBar,
    quiet: bool,
}

impl Bars {
    /// Bars on stderr, or none when `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Bars {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Bars {
            bar: ProgressBar::with_draw_target(None, target),
            quiet,
        }
    }
}

impl Reporter for Bars {
    fn start(&self, stage: &str, total: Option<u64>, unit: &str) {
        self.bar.reset();
        self.bar.set_length(total.unwrap_or(0));
        let template = if total.is_some() {
            format!("{{prefix:>8}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{per_sec}}, eta {{eta}})")
        } else {
            format!("{{prefix:>8}} {{spinner}} {{pos}} {unit} ({{per_sec}}) {{elapsed}}")
        };
        if let Ok(style) = ProgressStyle::with_template(&template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_prefix(stage.to_string());
    }
    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
    fn message(&self, msg: &str) {
        if !self.quiet {
            // A closed stderr (`lacuna ... 2>&1 | head`) is not worth a panic.
            self.bar.suspend(|| {
                let _ = writeln!(std::io::stderr(), "{msg}");
            });
        }
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
