//! The lamsach binary: parse, run, turn the result into an exit code.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
