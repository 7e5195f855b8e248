//! Errors of both bench binaries (`mod cli;` in main.rs and backplane.rs):
//! returned up to `main`, which prints them and exits 1 instead of panicking.

use std::fmt::Display;
use std::process::ExitCode;
use std::str::FromStr;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// For `map_err`: the error with `what` in front (what `expect(what)` printed).
pub fn ctx<E: Display>(what: impl Display) -> impl FnOnce(E) -> Error {
    move |e| format!("{what}: {e}").into()
}

/// A command-line value, the error naming the option.
pub fn parse<T: FromStr>(v: &str, what: &str) -> Result<T>
where
    T::Err: Display,
{
    v.parse().map_err(ctx(what))
}

/// The end of `main`: an error is printed, exit status 1.
pub fn exit(r: Result<()>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
