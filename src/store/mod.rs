//! The only code that knows Agents-Runner's files.

pub mod paths;
pub mod time;
