//! Named moments of a run where a test can stop the process, to prove that a crash at
//! that moment loses nothing (see `tests/it/crash.rs` and `tests/it/concurrent.rs`).
//!
//! When `AGENTS_JANITOR_PAUSE_AT` names a checkpoint, reaching it prints
//! `agents-janitor: paused at NAME` on stderr and then waits: forever, or until the file
//! named by `AGENTS_JANITOR_RESUME_FILE` exists. Counted checkpoints (the entries of a
//! delete) are named `NAME=N` and stop at the Nth one. Without the variable every call
//! is a no-op. Both variables are read once.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The variable that names where to pause.
pub const PAUSE_VAR: &str = "AGENTS_JANITOR_PAUSE_AT";
/// The variable that names a file whose appearance ends the pause.
pub const RESUME_VAR: &str = "AGENTS_JANITOR_RESUME_FILE";
/// The start of the line printed on stderr when a pause begins.
pub const MARKER: &str = "agents-janitor: paused at ";

/// After the discard's status change is written, before the record is archived.
pub const RECORD_WRITTEN: &str = "record-written";
/// After the record was renamed into `tasks/done/`.
pub const RECORD_ARCHIVED: &str = "record-archived";
/// After the task's container was removed.
pub const CONTAINER_REMOVED: &str = "container-removed";
/// After the workspace was renamed into staging.
pub const WORKSPACE_STAGED: &str = "workspace-staged";
/// After every workspace of a plan was renamed into staging, before the first record change.
pub const ALL_STAGED: &str = "workspaces-staged";
/// Under the lock, before the first step of a plan.
pub const EXECUTE_START: &str = "execute-start";
/// Counted: after the Nth entry of the staged delete was removed.
pub const PURGE_ENTRY: &str = "purge-entry";
/// Counted: after the Nth entry of a delete that an earlier run left in staging.
pub const RESUME_ENTRY: &str = "resume-entry";
/// After every staged workspace was deleted, before the cleanup lines go into the records.
pub const PURGED: &str = "purged";
/// After the cleanup lines went into the records.
pub const RECORDS_LOGGED: &str = "records-logged";

struct PauseAt {
    name: String,
    count: Option<u64>,
    resume: Option<PathBuf>,
}

fn pause_at() -> Option<&'static PauseAt> {
    static PAUSE: OnceLock<Option<PauseAt>> = OnceLock::new();
    PAUSE
        .get_or_init(|| {
            let value = std::env::var(PAUSE_VAR).ok()?;
            let (name, count) = match value.split_once('=') {
                Some((name, count)) => (name.to_owned(), Some(count.trim().parse().ok()?)),
                None => (value, None),
            };
            Some(PauseAt {
                name,
                count,
                resume: std::env::var_os(RESUME_VAR).map(PathBuf::from),
            })
        })
        .as_ref()
}

/// Pauses here when the test asked for checkpoint `name`.
pub fn checkpoint(name: &str) {
    if let Some(pause) = pause_at()
        && pause.count.is_none()
        && pause.name == name
    {
        wait(pause, name);
    }
}

/// Pauses here when the test asked for the `count`th pass of checkpoint `name`, and
/// at every later pass too (silently): a delete runs on several threads, and the others
/// must stop with the one that got there first, or they would go on deleting until the
/// kill.
pub fn counted(name: &str, count: u64) {
    if let Some(pause) = pause_at()
        && let Some(at) = pause.count
        && count >= at
        && pause.name == name
    {
        // The first thread there says so; the others only wait.
        static SAID: AtomicBool = AtomicBool::new(false);
        if !SAID.swap(true, Ordering::Relaxed) {
            eprintln!("{MARKER}{name}={at}");
        }
        wait_for_resume(pause);
    }
}

fn wait(pause: &PauseAt, shown: &str) {
    eprintln!("{MARKER}{shown}");
    wait_for_resume(pause);
}

fn wait_for_resume(pause: &PauseAt) {
    loop {
        if pause.resume.as_ref().is_some_and(|file| file.exists()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
