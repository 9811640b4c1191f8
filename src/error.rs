//! The crate's error type: bad input (exit status 2), a failure to do I/O or a failed check
//! (exit status 1), or a command a signal stopped (130).
//!
//! Messages are lowercase, name the file and the field, quote the bad value and, where it
//! helps, say what would be accepted.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user's input is wrong: a scenario, a flag, a `--set`. Nothing was written.
    Input,
    /// Reading or writing files failed.
    Io,
    /// A check the user asked for failed (e.g. `validate`).
    Check,
    /// A signal stopped the command before it finished (what it finished is kept).
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn input(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Input,
            message: message.into(),
        }
    }
    pub fn io(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Io,
            message: message.into(),
        }
    }
    pub fn check(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Check,
            message: message.into(),
        }
    }
    pub fn interrupted(message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Interrupted,
            message: message.into(),
        }
    }
    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            ErrorKind::Input => 2,
            ErrorKind::Io | ErrorKind::Check => 1,
            // As a shell reports a process Ctrl-C ended.
            ErrorKind::Interrupted => 130,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
