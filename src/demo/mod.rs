//! A realistic Agents-Runner data directory to try the janitor on safely.
//!
//! `agents-janitor demo DIR`, the GUI's "Create demo data" and the integration tests'
//! fixture all build on [`write_demo`]. Everything it writes stays inside `DIR`: the
//! environments, the task files, real git checkouts cloned from local bare "remotes",
//! and the mounted environment's folder (`DIR/my-notes/`).
//!
//! The demo is not part of the store: it runs git, and it writes the files the way
//! Agents-Runner does, not the way the janitor edits them. Its tables ([`TASKS`],
//! [`ENVIRONMENTS`] and the ids tests look for) say what it holds; [`files`] how it
//! writes (shared with the benchmark data generator); the git remotes and checkouts,
//! the workspace folders and leftovers, and the Agents-Runner files each have a
//! private module.

pub mod files;
mod records;
mod repos;
mod tables;
mod workspaces;

pub use tables::*;

use crate::store::paths::archived_tasks_dir;
use files::io_error;
use rayon::prelude::*;
use repos::git_available;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What [`write_demo`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// The demo dir, made absolute.
    pub data_dir: PathBuf,
    /// Environments written to `environments.json`.
    pub environments: usize,
    /// Task records written (clash copy and legacy JSON record not counted).
    pub tasks: usize,
    /// Task workspaces made (orphan, backup and legacy checkout not counted).
    pub workspaces: usize,
    /// False when `git` could not be run, so workspaces are plain folders.
    pub git_checkouts: bool,
}

/// Why the demo (or the benchmark data) could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The folder holds something: the demo never writes over data.
    #[error("{0} exists and is not empty; the demo only writes into a new or empty folder")]
    NotEmpty(PathBuf),
    /// A file or folder could not be written.
    #[error("{path}: {source}")]
    Io {
        /// What could not be written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A git command failed.
    #[error("`{command}` in {dir} failed: {stderr}")]
    Git {
        /// The command line, for the message.
        command: String,
        /// Where it ran.
        dir: PathBuf,
        /// What git said.
        stderr: String,
    },
    /// A file the demo built would not read back (a bug in the demo, caught before it lands).
    #[error("{path}: the demo wrote a file that does not parse back: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// The parser's or serializer's message.
        message: String,
    },
}

/// Writes the demo data dir into `dir`, which must be missing or empty.
pub fn write_demo(dir: &Path) -> Result<DemoSummary, DemoError> {
    let data_dir = std::path::absolute(dir).map_err(io_error(dir))?;
    prepare_empty_dir(&data_dir)?;
    let demo = Demo {
        data_dir: data_dir.clone(),
        now: SystemTime::now(),
        git: git_available(),
    };
    demo.write_notes()?;
    for env in ENVIRONMENTS {
        demo.write_remote(env)?;
    }
    // Workspaces are independent of each other; building them in parallel halves the
    // time spent waiting on `git clone`.
    let made: Vec<bool> = TASKS
        .par_iter()
        .enumerate()
        .map(|(index, task)| demo.write_workspace(index, task))
        .collect::<Result<_, _>>()?;
    let workspaces = made.iter().filter(|made| **made).count();
    fs::create_dir_all(archived_tasks_dir(&data_dir))
        .map_err(io_error(&archived_tasks_dir(&data_dir)))?;
    for (index, task) in TASKS.iter().enumerate() {
        demo.write_task_file(index, task)?;
    }
    demo.write_clash_copy()?;
    demo.write_leftovers()?;
    demo.write_json_record()?;
    demo.write_upgrade_folders()?;
    demo.write_environments()?;
    demo.write_state()?;
    Ok(DemoSummary {
        data_dir,
        environments: ENVIRONMENTS.len(),
        tasks: TASKS.len(),
        workspaces,
        git_checkouts: demo.git,
    })
}

/// Creates `dir`, or accepts it when it is an empty folder: the demo never overwrites data.
fn prepare_empty_dir(dir: &Path) -> Result<(), DemoError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(DemoError::NotEmpty(dir.to_path_buf())),
        },
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(io_error(dir))
        }
        Err(err) => Err(io_error(dir)(err)),
    }
}

/// One run of [`write_demo`]: every file is placed and dated from these.
struct Demo {
    /// The demo dir, absolute.
    data_dir: PathBuf,
    /// The moment every age counts back from.
    now: SystemTime,
    /// Whether `git` runs here (otherwise workspaces are plain folders).
    git: bool,
}

/// When a task was created, started and finished, relative to the demo's `now`.
struct Timeline {
    created: SystemTime,
    started: Option<SystemTime>,
    finished: Option<SystemTime>,
}

impl Timeline {
    /// The time its workspace was last touched.
    fn last_touched(&self) -> SystemTime {
        self.finished.or(self.started).unwrap_or(self.created)
    }
}

/// Statuses that come after the container started, so `started_at` is set.
const STARTED_STATUSES: &[&str] = &[
    "starting",
    "running",
    "cleaning",
    "paused",
    "restarting",
    "removing",
];

impl Demo {
    /// `seconds` before the run's `now`.
    fn ago(&self, seconds: u64) -> SystemTime {
        self.now
            .checked_sub(Duration::from_secs(seconds))
            .unwrap_or(UNIX_EPOCH)
    }

    /// Finished tasks ended 2 to 5 days ago; active ones were created under an hour ago.
    fn timeline(&self, index: usize, task: &DemoTask) -> Timeline {
        let index = index as u64;
        if task.is_finished() {
            let finished_ago = 48 * 3600 + (index * 37 % 70) * 3600 + (index % 4) * 900;
            let run_seconds = (4 + index * 11 % 35) * 60;
            let started_ago = finished_ago + run_seconds;
            Timeline {
                created: self.ago(started_ago + 20 + index),
                started: Some(self.ago(started_ago)),
                finished: Some(self.ago(finished_ago)),
            }
        } else {
            let created_ago = (4 + index * 7 % 50) * 60;
            let started = STARTED_STATUSES
                .contains(&task.status)
                .then(|| self.ago(created_ago - 15));
            Timeline {
                created: self.ago(created_ago),
                started,
                finished: None,
            }
        }
    }

    /// The demo environment of that id.
    fn environment(&self, env_id: &str) -> Option<&'static DemoEnvironment> {
        ENVIRONMENTS.iter().find(|env| env.id == env_id)
    }

    /// The mounted environment's folder (`DIR/my-notes/`).
    fn notes_dir(&self) -> PathBuf {
        self.data_dir.join(NOTES_DIR)
    }
}

/// A moment as Agents-Runner's `created_at_s`: float Unix seconds.
fn unix_seconds(moment: SystemTime) -> f64 {
    moment
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}
