//! One file per subcommand: each turns its arguments into library calls and prints.

mod actors;
mod bench;
mod eval;
mod eval_quotes;
mod extract;
mod index;
mod keyphrases;
mod quotes;
mod search;
mod stats;
mod topics;
mod topics_count;
mod train;

use std::io::IsTerminal;

use crate::cli::{Cli, Command, EvalCommand, TrainCommand};
use crate::Outcome;

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Index(args) => index::run(&cli.index, args),
        Command::Search(args) => search::run(&cli.index, args),
        Command::Stats(args) => stats::run(&cli.index, args),
        Command::Actors(args) => actors::run(&cli.index, args),
        Command::Quotes(args) => quotes::run(&cli.index, args),
        Command::Topics(args) => topics_count::run(&cli.index, args),
        Command::Extract(args) => extract::run(args),
        Command::Train(TrainCommand::Ner(args)) => train::ner(args),
        Command::Train(TrainCommand::Topics(args)) => topics::train(args),
        Command::Train(TrainCommand::Keyphrases(args)) => keyphrases::train(args),
        Command::Eval(EvalCommand::Ner(args)) => eval::ner(args),
        Command::Eval(EvalCommand::Actors(args)) => eval::actors(args),
        Command::Eval(EvalCommand::Quotes(args)) => eval_quotes::run(args),
        Command::Eval(EvalCommand::Topics(args)) => topics::eval(args),
        Command::Eval(EvalCommand::Keyphrases(args)) => keyphrases::eval(args),
        Command::Bench(args) => bench::run(&cli.index, args),
    }
}

/// Prints a report on stdout: one JSON object with `--json`, else what `human` writes.
fn report<T: serde::Serialize>(
    json: bool,
    data: &T,
    human: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, data)?;
        std::io::Write::write_all(&mut out, b"\n")?;
    } else {
        human(&mut out)?;
    }
    Ok(())
}

/// Whether colour may be used on stdout: a terminal, and NO_COLOR unset or empty.
fn stdout_wants_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// 12345678 as "12,345,678".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
