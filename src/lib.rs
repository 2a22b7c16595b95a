//! agents-janitor: finds, sizes and safely cleans the task workspaces Agents-Runner leaves on disk.
//!
//! The flow: [`store::Snapshot::load`] reads a data directory (never rewriting what it
//! cannot parse), [`scan::Scanner`] sizes workspaces like `du`, [`policy::plan`] turns an
//! [`policy::Action`] into a [`policy::Plan`] (pure; quotas and the schedule's timing
//! too), and [`executor::Executor`] carries the plan out; [`worker::Worker`] runs all of
//! it on a thread for the desktop app (`gui`, feature `gui`, on by default), which
//! follows the disk through [`watch`], and [`cli`] from the command line. Both read the
//! janitor's own settings file through [`config`]. [`agents_runner`] tells whether
//! Agents-Runner runs on the data directory: while it does, no record it holds in memory
//! is changed (plans refuse it, and the executor asks again before its first write).
//! Only [`remove`] deletes files (or moves them to the trash); only [`store`] knows
//! Agents-Runner's file formats; nothing outside `gui` knows egui. [`mounts`] finds mount
//! points by mount identity (a bind mount on the same filesystem included): sizes stop
//! at them and no workspace that is or holds one is ever deleted.
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
