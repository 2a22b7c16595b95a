//! agents-janitor: finds, sizes and safely cleans the task workspaces Agents-Runner leaves on disk.

pub mod cli;
pub mod container;
pub mod executor;
pub mod git;
pub mod lock;
pub mod policy;
pub mod process;
pub mod remove;
pub mod scan;
pub mod status;
pub mod store;
pub mod worker;
