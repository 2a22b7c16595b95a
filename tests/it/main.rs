//! Every integration test in one binary, one module per topic: the app (eframe
//! included) is linked once instead of once per file, and the demo template in
//! `common` is written once for all of them.
//!
//! No test here changes process-wide state (environment variables, the current
//! folder): what a child process needs is set on its `Command`.

mod common;

mod adversarial;
mod bad_input;
mod beside_agents_runner;
mod cli;
mod concurrent;
mod config;
mod crash;
mod demo_fixture;
mod engine;
mod faults;
#[cfg(feature = "gui")]
mod gui;
mod messages;
mod mounts;
mod quotas_orphans;
mod reclaim;
mod safety;
mod scan_du;
mod slim;
mod trash;
mod upgraded;
mod work;
