//! agents-janitor: finds, sizes and safely cleans the task workspaces Agents-Runner leaves on disk.

pub mod status;
pub mod store;
