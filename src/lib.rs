//! agents-janitor: finds, sizes and safely cleans the task workspaces Agents-Runner leaves on disk.
//!
//! The flow: [`store::Snapshot::load`] reads a data directory (never rewriting what it
//! cannot parse), [`scan::Scanner`] sizes workspaces like `du`, [`policy::plan`] turns an
//! [`policy::Action`] into a [`policy::Plan`] (pure), and [`executor::Executor`] carries
//! the plan out; [`worker::Worker`] runs all of it on a thread for the desktop app, and
//! [`cli`] from the command line.
//!
//! The crate map, in layers; a module only uses the ones above it:
//!
//! | layer | modules |
//! | --- | --- |
//! | words | [`text`] (sizes, ages, first lines, counts), [`status`] (Agents-Runner's status words) |
//! | Agents-Runner's files | [`store`]: the only code that knows its formats (records, environments, legacy JSON, paths, atomic writes, the record cache, the footprint of everything else it leaves) |
//! | reading the world | [`scan`] (sizes), [`mounts`] (mount points by mount identity), [`git`] (where the work went: merged, squash-merged, pushed, unsaved; what it ignores; fetch and pull requests), [`container`] (docker), [`process`] (a tool with a deadline), [`agents_runner`] (is it running on this data dir?) |
//! | deciding | [`policy`]: pure plans for every action, quotas, the schedule, what is safe to delete, what Slim takes, what of the footprint may be reclaimed; owns the settings' types |
//! | acting | [`remove`]: the only code that deletes, moves to the trash or puts back (workspaces, what Slim takes inside one, leftovers; staging names that carry the record's fate); [`executor`]: prepares and runs plans, slims, reclaims and undos under the [`lock`], finishes what a crash left at the next start, with crash [`checkpoint`]s |
//! | running | [`worker`] (commands in, events out, on one thread), [`watch`] (live refresh) |
//! | front ends | [`cli`], `gui` (feature `gui`, on by default; nothing else knows egui), [`config`] (the janitor's own settings file), [`demo`] (demo data for the welcome screen) |
//!
//! Safety holds across layers: while Agents-Runner runs on the data directory no record
//! it holds is changed (plans refuse it, the executor asks again before its first
//! write), and no workspace that is or holds a mount point is sized through or deleted.
//!
//! ```
//! use agents_janitor::executor;
//! use agents_janitor::policy::{Action, DeleteMode};
//! use agents_janitor::store::Snapshot;
//! use std::sync::{Arc, atomic::AtomicBool};
//!
//! let data = tempfile::tempdir()?;
//! let dir = data.path();
//! std::fs::write(dir.join("environments.json"),
//!     r#"{"environments": [{"env_id": "env-1", "workspace_type": "cloned"}]}"#)?;
//! std::fs::create_dir_all(dir.join("tasks"))?;
//! std::fs::write(dir.join("tasks/t1.toml"),
//!     "task_id = \"t1\"\nenvironment_id = \"env-1\"\nstatus = \"done\"\n")?;
//! std::fs::create_dir_all(dir.join("managed-repos/env-1/tasks/t1"))?;
//!
//! let snapshot = Snapshot::load(dir)?;
//! let action = Action::Discard { task_ids: vec!["t1".into()], force: false };
//! let cancel = Arc::new(AtomicBool::new(false));
//! let plan = executor::prepare(&action, &snapshot, &mut Default::default(), &cancel,
//!     std::time::SystemTime::now(), DeleteMode::Delete)?;
//! assert_eq!(plan.steps.len(), 1);
//! assert!(plan.steps[0].workspace.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod agents_runner;
pub mod checkpoint;
pub mod cli;
pub mod config;
pub mod container;
pub mod demo;
#[cfg(unix)]
mod dir_names;
#[cfg(unix)]
mod entry_stat;
pub mod executor;
pub mod git;
#[cfg(feature = "gui")]
pub mod gui;
pub mod lock;
pub mod mounts;
pub mod policy;
pub mod process;
pub mod remove;
pub mod scan;
pub mod status;
pub mod store;
pub mod text;
pub mod watch;
pub mod worker;
