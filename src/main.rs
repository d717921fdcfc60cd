//! The `newsdex` binary: parse the command line, run one command, map the outcome to an exit
//! code (0 found, 1 nothing found, 2 error; a closed pipe is not an error).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: extraction allocates many short-lived strings and vectors on every reader thread,
/// and glibc's malloc took about an eighth of indexing CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`, entry 15 of mimalloc 3's `mi_option_t` (mimalloc.h); the Rust
/// bindings name no constant for it. A test holds it to that option's documented default.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory in the process instead of handing it back to the kernel a second later.
/// Indexing frees and refills the same few hundred MB over and over (article batches, a
/// segment's tables); memory handed back comes again as fresh pages the kernel must zero, 8%
/// of the reading threads' time on Reuters ×4. Kept, it cut 4% of the CPU there (14.87
/// against 15.46 CPU-s, three alternating runs each) and 7% for a million articles, for more
/// peak RSS (722 against 582 MB there, inside `--memory` + 300 MB).
fn keep_freed_memory() {
    // SAFETY: sets one global option; called first thing in `main`, before any other thread
    // exists (the function is not thread-safe).
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

/// What a command found, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Found,
    NothingFound,
}

impl Outcome {
    /// `Found` when anything was, as grep's exit status says.
    pub fn found_if(anything: bool) -> Outcome {
        if anything {
            Outcome::Found
        } else {
            Outcome::NothingFound
        }
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(Outcome::Found) => ExitCode::from(0),
        Ok(Outcome::NothingFound) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::from(0),
        Err(e) => {
            eprintln!("newsdex: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    /// Entry 15 is the purge delay: it holds mimalloc 3's default for it, one second, unless
    /// the environment sets it. Fails if a mimalloc update moves the option.
    #[test]
    fn option_15_is_mimallocs_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one option; no test in this binary sets options.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}
